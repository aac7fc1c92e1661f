"""LinkedIn reads: a post by URN, our recent posts, post and account metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from channels_app.adapters.base import (
    AccountMetrics,
    Credentials,
    NotSupported,
    OutgoingPost,
    PostMetrics,
    PublishedPost,
    TransientError,
    normalize_text_for_match,
)
from channels_app.adapters.http import as_dict, as_list
from channels_app.adapters.linkedin.rest import LinkedInRest, epoch_ms, urn_path
from channels_app.adapters.linkedin.text import unescape_little_text

FEED_PAGE = 50


class LinkedInReading(LinkedInRest):
    """Reading posts back (reconciliation) and their numbers."""

    def _published(self, body: Mapping[str, Any]) -> PublishedPost:
        urn = str(body.get("id") or "")
        return PublishedPost(
            external_id=urn,
            url=self.post_url(urn),
            text=unescape_little_text(str(body.get("commentary") or "")),
            created_at=epoch_ms(body.get("publishedAt")) or epoch_ms(body.get("createdAt")),
            raw=body,
        )

    def get_post(self, creds: Credentials, external_id: str) -> PublishedPost | None:
        """GET /rest/posts/{urn}; None when LinkedIn answers 404 (deleted)."""
        resp, body = self._rest(creds, "GET", f"/posts/{urn_path(external_id)}", allow_404=True)
        if resp.status_code in (404, 410) or body.get("lifecycleState") == "DELETED":
            return None
        body.setdefault("id", external_id)
        return self._published(body)

    def _recent_posts(self, creds: Credentials, count: int) -> list[dict[str, Any]]:
        _, body = self._rest(
            creds,
            "GET",
            "/posts",
            query=f"q=author&author={urn_path(creds.account_id)}&count={count}"
            "&sortBy=LAST_MODIFIED",
            headers={"X-RestLi-Method": "FINDER"},
        )
        return [e for e in map(as_dict, as_list(body.get("elements"))) if e.get("id")]

    def find_recent_post(
        self, creds: Credentials, post: OutgoingPost, *, since: datetime
    ) -> PublishedPost | None:
        """Our post with the same text since `since`, from GET /rest/posts?q=author (the latest
        50). For member authors LinkedIn limits this finder to approved apps (then Rejected).
        The post recorded as `post.steps["post"]` is looked up directly."""
        if post.steps.get("post"):
            return self.get_post(creds, post.steps["post"])
        wanted = normalize_text_for_match(post.text)
        for element in self._recent_posts(creds, FEED_PAGE):
            found = self._published(element)
            if found.created_at is not None and found.created_at < since:
                continue
            if normalize_text_for_match(found.text) == wanted:
                return found
        return None

    # --- measure ------------------------------------------------------------------------------

    def fetch_post_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[PostMetrics]:
        """Organizations: impressions, reach (unique impressions), clicks, likes, comments, shares
        from organizationalEntityShareStatistics (the engagement *rate* stays in `raw`).
        Members: likes (all reactions) and comments from socialMetadata; LinkedIn offers
        impressions for member posts only to approved partners, so they are absent."""
        now = datetime.now(UTC)
        if creds.account_id.startswith("urn:li:organization:"):
            return self._organization_post_metrics(creds, list(external_ids), now)
        results: list[PostMetrics] = []
        for urn in external_ids:
            resp, body = self._rest(
                creds, "GET", f"/socialMetadata/{urn_path(urn)}", allow_404=True
            )
            if resp.status_code in (404, 410):
                continue
            reactions = as_dict(body.get("reactionSummaries"))
            values: dict[str, int] = {
                "likes": sum(int(as_dict(r).get("count") or 0) for r in reactions.values())
            }
            comments = as_dict(body.get("commentSummary")).get("count")
            if isinstance(comments, int):
                values["comments"] = comments
            results.append(PostMetrics(external_id=urn, fetched_at=now, values=values, raw=body))
        return results

    def _organization_post_metrics(
        self, creds: Credentials, ids: list[str], now: datetime
    ) -> list[PostMetrics]:
        shares = [u for u in ids if u.startswith("urn:li:share:")]
        ugc = [u for u in ids if not u.startswith("urn:li:share:")]
        query = f"q=organizationalEntity&organizationalEntity={urn_path(creds.account_id)}"
        if shares:
            query += f"&shares=List({','.join(urn_path(u) for u in shares)})"
        if ugc:
            query += f"&ugcPosts=List({','.join(urn_path(u) for u in ugc)})"
        _, body = self._rest(creds, "GET", "/organizationalEntityShareStatistics", query=query)
        results = []
        for element in map(as_dict, as_list(body.get("elements"))):
            urn = element.get("share") or element.get("ugcPost")
            stats = as_dict(element.get("totalShareStatistics"))
            if not isinstance(urn, str):
                continue
            values = {
                name: stats[key]
                for name, key in (
                    ("impressions", "impressionCount"),
                    ("reach", "uniqueImpressionsCount"),
                    ("clicks", "clickCount"),
                    ("likes", "likeCount"),
                    ("comments", "commentCount"),
                    ("shares", "shareCount"),
                )
                if isinstance(stats.get(key), int)
            }
            results.append(PostMetrics(external_id=urn, fetched_at=now, values=values, raw=stats))
        return results

    def fetch_account_metrics(self, creds: Credentials) -> AccountMetrics:
        """Organizations: followers from networkSizes (COMPANY_FOLLOWED_BY_MEMBER). LinkedIn
        gives no follower count for members to this kind of app: NotSupported."""
        if not creds.account_id.startswith("urn:li:organization:"):
            raise NotSupported("LinkedIn reports follower counts for organization pages only.")
        _, body = self._rest(
            creds,
            "GET",
            f"/networkSizes/{urn_path(creds.account_id)}",
            query="edgeType=COMPANY_FOLLOWED_BY_MEMBER",
        )
        size = body.get("firstDegreeSize")
        if not isinstance(size, int):
            raise TransientError("networkSizes answered without firstDegreeSize")
        return AccountMetrics(
            account_id=creds.account_id,
            fetched_at=datetime.now(UTC),
            values={"followers": size},
            raw=body,
        )
