"""Facebook reads: a Page post, our recent post by text, post and Page metrics (counts and
insights).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from channels_app.adapters import http, meta
from channels_app.adapters.base import (
    AccountMetrics,
    Credentials,
    OutgoingPost,
    PostMetrics,
    PublishedPost,
    TransientError,
)
from channels_app.adapters.facebook.graph import FacebookGraph, fb_url

POST_FIELDS = "id,message,created_time,permalink_url"
METRIC_FIELDS = "id,shares,reactions.summary(true).limit(0),comments.summary(true).limit(0)"


# Current names (Pages API changelog, Nov 15 2025: post_impressions -> post_media_view,
# post_impressions_unique -> post_total_media_view_unique; page_impressions -> page_media_view,
# page_impressions_unique -> page_total_media_view_unique, page_fans -> page_follows).
POST_INSIGHTS = ("post_media_view", "post_total_media_view_unique", "post_clicks")
PAGE_INSIGHTS = ("page_media_view", "page_total_media_view_unique", "page_post_engagements")
POST_INSIGHT_NAMES = {
    "post_media_view": "views",
    "post_total_media_view_unique": "reach",
    "post_clicks": "clicks",
}
PAGE_INSIGHT_NAMES = {
    "page_media_view": "views",
    "page_total_media_view_unique": "reach",
    "page_post_engagements": "engagements",
}


class FacebookReading(FacebookGraph):
    """Reading posts back (reconciliation) and their numbers."""

    def get_post(self, creds: Credentials, external_id: str) -> PublishedPost | None:
        """The post as Facebook shows it, or None when it is gone (404 / code 100 subcode 33).
        Raises the other mapped errors."""
        body = self.graph.get_or_none(external_id, creds.access_token, fields=POST_FIELDS)
        if body is None:
            return None
        if not isinstance(body, Mapping) or not body.get("id"):
            raise TransientError("The platform answered a malformed post.")
        return self._published(body)

    def _published(self, body: Mapping[str, Any]) -> PublishedPost:
        return PublishedPost(
            external_id=str(body["id"]),
            url=fb_url(body.get("permalink_url"), self.urls["web"]),
            text=str(body.get("message") or ""),
            created_at=http.parse_time(body.get("created_time")),
            raw=body,
        )

    def find_recent_post(
        self, creds: Credentials, post: OutgoingPost, *, since: datetime
    ) -> PublishedPost | None:
        """Our Page post published at/after `since` whose text matches `post.text`, or None.
        Scans up to three pages of `/published_posts`; the post recorded as
        `post.steps["post"]` (not for videos: that is the video's id) is looked up directly.
        Raises the mapped errors."""
        if (
            post.steps.get("post")
            and not post.reply_to_id
            and not any(m.is_video for m in post.media)
        ):
            return self.get_post(creds, post.steps["post"])
        found = self.graph.find_recent(
            f"{creds.account_id}/published_posts",
            creds.access_token,
            text=post.text,
            since=since,
            text_field="message",
            time_field="created_time",
            fields=POST_FIELDS,
        )
        return self._published(found) if found else None

    # --- measure --------------------------------------------------------------------------------

    def fetch_post_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[PostMetrics]:
        """Reactions/comments/shares counts plus lifetime insights (views, reach, clicks) per
        post. Insights the Page cannot have (too few likes, invalid metric) are left out.
        Raises the mapped errors of the counts call."""
        results = []
        for external_id in external_ids:
            body = self.graph.get(external_id, creds.access_token, fields=METRIC_FIELDS)
            if not isinstance(body, Mapping):
                raise TransientError("The platform answered malformed metrics.")
            values: dict[str, int] = {}
            likes = meta.summary_count(body, "reactions")
            comments = meta.summary_count(body, "comments")
            shares_node = body.get("shares")
            shares = shares_node.get("count") if isinstance(shares_node, Mapping) else None
            if likes is not None:
                values["likes"] = likes
            if comments is not None:
                values["comments"] = comments
            if isinstance(shares, int):
                values["shares"] = shares
            raw: dict[str, Any] = {"post": body}
            insights = self.graph.insights(
                f"{external_id}/insights", creds.access_token, metric=",".join(POST_INSIGHTS)
            )
            raw["insights"] = insights
            values.update(meta.renamed(insights, POST_INSIGHT_NAMES))
            results.append(
                PostMetrics(
                    external_id=external_id,
                    fetched_at=datetime.now(UTC),
                    values=values,
                    raw=raw,
                )
            )
        return results

    def fetch_account_metrics(self, creds: Credentials) -> AccountMetrics:
        """Followers (followers_count, else fan_count) and 28-day Page insights (views, reach,
        engagements) where Facebook reports them. Raises the mapped errors."""
        page = self.graph.get(
            creds.account_id, creds.access_token, fields="id,followers_count,fan_count"
        )
        if not isinstance(page, Mapping):
            raise TransientError("The platform answered a malformed Page.")
        values: dict[str, int] = {}
        followers = page.get("followers_count", page.get("fan_count"))
        if isinstance(followers, int):
            values["followers"] = followers
        insights = self.graph.insights(
            f"{creds.account_id}/insights",
            creds.access_token,
            metric=",".join(PAGE_INSIGHTS),
            period="days_28",
        )
        values.update(meta.renamed(insights, PAGE_INSIGHT_NAMES))
        return AccountMetrics(
            account_id=creds.account_id,
            fetched_at=datetime.now(UTC),
            values=values,
            raw={"page": page, "insights": insights},
        )
