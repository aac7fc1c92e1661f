"""Bluesky reads: a post by URI, our recent post by text, post and account metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from channels_app.adapters import http
from channels_app.adapters.base import (
    AccountMetrics,
    Credentials,
    OutgoingPost,
    PostMetrics,
    PublishedPost,
    normalize_text_for_match,
)
from channels_app.adapters.bluesky.xrpc import BlueskyXrpc
from channels_app.adapters.http import as_dict, as_list

GET_POSTS_BATCH = 25  # app.bsky.feed.getPosts: uris maxLength 25
FEED_MAX_PAGES = 5


class BlueskyReading(BlueskyXrpc):
    """Reading posts back (reconciliation) and their numbers."""

    def _published(self, creds: Credentials, view: Mapping[str, Any]) -> PublishedPost:
        record = as_dict(view.get("record"))
        uri = str(view.get("uri") or "")
        return PublishedPost(
            external_id=uri,
            url=self.post_url(creds, uri),
            text=str(record.get("text") or ""),
            created_at=http.parse_time(record.get("createdAt"))
            or http.parse_time(view.get("indexedAt")),
            raw=view,
        )

    def get_post(self, creds: Credentials, external_id: str) -> PublishedPost | None:
        """The post at `external_id` (at:// URI) via getPosts, or None when it is gone."""
        body = self._call(creds, "GET", "app.bsky.feed.getPosts", params={"uris": [external_id]})
        posts = [p for p in as_list(body.get("posts")) if isinstance(p, dict) and p.get("uri")]
        return self._published(creds, posts[0]) if posts else None

    def find_recent_post(
        self, creds: Credentials, post: OutgoingPost, *, since: datetime
    ) -> PublishedPost | None:
        """Our own post with the same text created since `since` (app.bsky.feed.getAuthorFeed,
        up to FEED_MAX_PAGES pages), or None; the post recorded as `post.steps["post"]` when
        an attempt got that far."""
        if post.steps.get("post"):
            return self.get_post(creds, post.steps["post"])
        wanted = normalize_text_for_match(post.text)
        cursor: str | None = None
        for _ in range(FEED_MAX_PAGES):
            params: dict[str, Any] = {"actor": creds.account_id, "limit": "50"}
            if cursor:
                params["cursor"] = cursor
            body = self._call(creds, "GET", "app.bsky.feed.getAuthorFeed", params=params)
            feed = as_list(body.get("feed"))
            older = False
            for item in feed:
                item = as_dict(item)
                view = as_dict(item.get("post"))
                if item.get("reason") or as_dict(view.get("author")).get("did") != creds.account_id:
                    continue  # reposts and others' posts
                found = self._published(creds, view)
                if found.created_at is not None and found.created_at < since:
                    older = True
                    continue
                if normalize_text_for_match(found.text) == wanted:
                    return found
            cursor = body.get("cursor") if isinstance(body.get("cursor"), str) else None
            if older or not cursor or not feed:
                return None
        return None

    # --- measure ------------------------------------------------------------------------------

    def fetch_post_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[PostMetrics]:
        """likes, shares (reposts), comments (replies), quotes, saves (bookmarks) per post, via
        getPosts in batches of 25. Bluesky reports no impressions or views. Deleted posts are
        left out."""
        now = datetime.now(UTC)
        results: list[PostMetrics] = []
        ids = list(external_ids)
        for start in range(0, len(ids), GET_POSTS_BATCH):
            batch = ids[start : start + GET_POSTS_BATCH]
            body = self._call(creds, "GET", "app.bsky.feed.getPosts", params={"uris": batch})
            for view in as_list(body.get("posts")):
                view = as_dict(view)
                if not view.get("uri"):
                    continue
                values: dict[str, int] = {}
                for name, key in (
                    ("likes", "likeCount"),
                    ("shares", "repostCount"),
                    ("comments", "replyCount"),
                    ("quotes", "quoteCount"),
                    ("saves", "bookmarkCount"),
                ):
                    if isinstance(view.get(key), int):
                        values[name] = view[key]
                raw = {k: view[k] for k in view if k.endswith("Count")}
                results.append(
                    PostMetrics(
                        external_id=str(view["uri"]), fetched_at=now, values=values, raw=raw
                    )
                )
        return results

    def fetch_account_metrics(self, creds: Credentials) -> AccountMetrics:
        """followers, following and posts from app.bsky.actor.getProfile."""
        body = self._call(
            creds, "GET", "app.bsky.actor.getProfile", params={"actor": creds.account_id}
        )
        values: dict[str, int] = {}
        for name, key in (
            ("followers", "followersCount"),
            ("following", "followsCount"),
            ("posts", "postsCount"),
        ):
            if isinstance(body.get(key), int):
                values[name] = body[key]
        return AccountMetrics(
            account_id=creds.account_id,
            fetched_at=datetime.now(UTC),
            values=values,
            raw={k: body[k] for k in body if k.endswith("Count")},
        )
