"""Mastodon reads: a status by id, our recent status by text, status and account metrics."""

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
    TransientError,
    normalize_text_for_match,
)
from channels_app.adapters.mastodon.api import html_to_text
from channels_app.adapters.mastodon.auth import MastodonAuth

OWN_STATUSES_PAGES = 3


class MastodonReading(MastodonAuth):
    """Reading statuses back (reconciliation) and their numbers."""

    @staticmethod
    def _published(status: Mapping[str, Any]) -> PublishedPost:
        return PublishedPost(
            external_id=str(status["id"]),
            url=str(status.get("url") or status.get("uri") or ""),
            text=html_to_text(str(status.get("content") or "")),
            created_at=http.parse_time(status.get("created_at")),
            raw=dict(status),
        )

    def get_post(self, creds: Credentials, external_id: str) -> PublishedPost | None:
        """GET /api/v1/statuses/{id}; None when deleted (404/410)."""
        resp = self._request(
            "GET", "status", creds.instance_url, token=creds.access_token, ids={"id": external_id}
        )
        if resp.status_code in (404, 410):
            return None
        self._raise_for(resp)
        status = self._json(resp)
        if "id" not in status:
            raise TransientError("Mastodon sent a status without an id")
        return self._published(status)

    def find_recent_post(
        self, creds: Credentials, post: OutgoingPost, *, since: datetime
    ) -> PublishedPost | None:
        """Our status matching `post` created at or after `since`, from the account's statuses;
        the status recorded as `post.steps["post"]` when an attempt got that far."""
        if post.steps.get("post"):
            return self.get_post(creds, post.steps["post"])
        wanted = normalize_text_for_match(post.text_with_link("\n\n"))
        params: dict[str, Any] = {"limit": 40, "exclude_reblogs": "true"}
        for _ in range(OWN_STATUSES_PAGES):
            resp = self._call(
                "GET",
                "account_statuses",
                creds.instance_url,
                token=creds.access_token,
                ids={"id": creds.account_id},
                params=params,
            )
            statuses = self._json(resp, list)
            for status in statuses:
                if not isinstance(status, dict) or "id" not in status:
                    raise TransientError("Mastodon sent a status without an id")
                created = http.parse_time(status.get("created_at"))
                if created is not None and created < since:
                    return None
                if (
                    normalize_text_for_match(html_to_text(str(status.get("content") or "")))
                    == wanted
                ):
                    return self._published(status)
            if len(statuses) < params["limit"]:
                return None
            params["max_id"] = str(statuses[-1]["id"])
        return None

    # --- measure ---------------------------------------------------------------------------

    def fetch_post_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[PostMetrics]:
        """Counts from each Status: likes (favourites), shares (reblogs), comments (replies),
        quotes. Mastodon reports no impressions or reach. Deleted statuses are left out."""
        results = []
        for external_id in external_ids:
            resp = self._request(
                "GET",
                "status",
                creds.instance_url,
                token=creds.access_token,
                ids={"id": external_id},
            )
            if resp.status_code in (404, 410):
                continue
            self._raise_for(resp)
            status = self._json(resp)
            mapping = {
                "likes": "favourites_count",
                "shares": "reblogs_count",
                "comments": "replies_count",
                "quotes": "quotes_count",
            }
            values = {
                k: int(status[v]) for k, v in mapping.items() if isinstance(status.get(v), int)
            }
            results.append(
                PostMetrics(
                    external_id=external_id,
                    fetched_at=datetime.now(UTC),
                    values=values,
                    raw={v: status[v] for v in mapping.values() if v in status},
                )
            )
        return results

    def fetch_account_metrics(self, creds: Credentials) -> AccountMetrics:
        """followers, following and posts (statuses_count) of the connected account."""
        profile = self.fetch_profile(creds)
        raw = profile.raw
        mapping = {
            "followers": "followers_count",
            "following": "following_count",
            "posts": "statuses_count",
        }
        values = {k: int(raw[v]) for k, v in mapping.items() if isinstance(raw.get(v), int)}
        return AccountMetrics(
            account_id=profile.account_id,
            fetched_at=datetime.now(UTC),
            values=values,
            raw={v: raw[v] for v in mapping.values() if v in raw},
        )
