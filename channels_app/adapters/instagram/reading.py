"""Instagram reads: a media object, our recent media by caption, media and account insights."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
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
from channels_app.adapters.instagram.graph import InstagramGraph

MEDIA_FIELDS = "id,caption,permalink,timestamp,media_type"


# Current media metrics (Instagram Media Insights reference: `views` replaced `impressions`
# and `plays`, deprecated for all versions on April 21 2025; `video_views` is deprecated).
MEDIA_INSIGHTS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
MEDIA_INSIGHT_NAMES = {
    "views": "views",
    "reach": "reach",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "saved": "saves",
    "total_interactions": "engagements",
}
ACCOUNT_INSIGHTS = ("views", "reach", "total_interactions")
ACCOUNT_INSIGHT_NAMES = {"views": "views", "reach": "reach", "total_interactions": "engagements"}


class InstagramReading(InstagramGraph):
    """Reading media back (reconciliation) and their numbers."""

    def get_post(self, creds: Credentials, external_id: str) -> PublishedPost | None:
        """The media as Instagram shows it, or None when it is gone. Raises the mapped errors."""
        body = self.graph.get_or_none(external_id, creds.access_token, fields=MEDIA_FIELDS)
        if body is None:
            return None
        if not isinstance(body, Mapping) or not body.get("id"):
            raise TransientError("The platform answered a malformed media object.")
        return self._published(body)

    @staticmethod
    def _published(body: Mapping[str, Any]) -> PublishedPost:
        return PublishedPost(
            external_id=str(body["id"]),
            url=str(body.get("permalink") or ""),
            text=str(body.get("caption") or ""),
            created_at=http.parse_time(body.get("timestamp")),
            raw=body,
        )

    def find_recent_post(
        self, creds: Credentials, post: OutgoingPost, *, since: datetime
    ) -> PublishedPost | None:
        """Our media published at/after `since` whose caption matches `post.text`, or None; the
        media recorded as `post.steps["post"]` when an attempt got that far."""
        if post.steps.get("post") and not post.reply_to_id:
            return self.get_post(creds, post.steps["post"])
        found = self.graph.find_recent(
            "me/media",
            creds.access_token,
            text=post.text,
            since=since,
            text_field="caption",
            time_field="timestamp",
            fields=MEDIA_FIELDS,
        )
        return self._published(found) if found else None

    # --- measure --------------------------------------------------------------------------------

    def fetch_post_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[PostMetrics]:
        """Likes/comments counts and lifetime insights (views, reach, likes, comments, shares,
        saves, engagements) per media. Insights Instagram does not have (album children, too
        few viewers: code 10) are left out. Raises the mapped errors of the counts call."""
        results = []
        for external_id in external_ids:
            body = self.graph.get(
                external_id, creds.access_token, fields="id,like_count,comments_count"
            )
            if not isinstance(body, Mapping):
                raise TransientError("The platform answered malformed metrics.")
            values: dict[str, int] = {}
            if isinstance(body.get("like_count"), int):
                values["likes"] = body["like_count"]
            if isinstance(body.get("comments_count"), int):
                values["comments"] = body["comments_count"]
            insights = self.graph.insights(
                f"{external_id}/insights", creds.access_token, metric=",".join(MEDIA_INSIGHTS)
            )
            values.update(meta.renamed(insights, MEDIA_INSIGHT_NAMES))
            results.append(
                PostMetrics(
                    external_id=external_id,
                    fetched_at=datetime.now(UTC),
                    values=values,
                    raw={"media": body, "insights": insights},
                )
            )
        return results

    def fetch_account_metrics(self, creds: Credentials) -> AccountMetrics:
        """Followers, following and media counts plus 28-day totals (views, reach,
        engagements) where Instagram reports them. Raises the mapped errors."""
        me = self.graph.get(
            "me", creds.access_token, fields="id,followers_count,follows_count,media_count"
        )
        if not isinstance(me, Mapping):
            raise TransientError("The platform answered a malformed profile.")
        values: dict[str, int] = {}
        for field, neutral in (
            ("followers_count", "followers"),
            ("follows_count", "following"),
            ("media_count", "posts"),
        ):
            if isinstance(me.get(field), int):
                values[neutral] = me[field]
        now = datetime.now(UTC)
        insights = self.graph.insights(
            "me/insights",
            creds.access_token,
            metric=",".join(ACCOUNT_INSIGHTS),
            period="day",
            metric_type="total_value",
            since=int((now - timedelta(days=28)).timestamp()),
            until=int(now.timestamp()),
        )
        values.update(meta.renamed(insights, ACCOUNT_INSIGHT_NAMES))
        return AccountMetrics(
            account_id=creds.account_id,
            fetched_at=now,
            values=values,
            raw={"profile": me, "insights": insights},
        )
