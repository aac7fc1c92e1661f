"""X reads: a post by id, our recent post by text, post and account metrics (public_metrics only;
see the package docstring).
"""

from __future__ import annotations

import html
import re
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
from channels_app.adapters.x.auth import XAuth

LOOKUP_BATCH = 100
_URL_RE = re.compile(r"https?://\S+")


# Neutral metric name -> X's `public_metrics` keys, the documented spelling first (spec 2.167
# renamed some counters; see the package docstring).
POST_COUNTS = {
    "impressions": ("impression_count",),
    "likes": ("like_count",),
    "comments": ("reply_count",),
    "shares": ("retweet_count", "repost_count"),
    "quotes": ("quote_count",),
    "saves": ("bookmark_count",),
}
ACCOUNT_COUNTS = {
    "followers": ("followers_count",),
    "following": ("following_count",),
    "posts": ("tweet_count", "post_count"),
}


def _counts(metrics: Mapping[str, Any], names: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """{neutral name: value} from `public_metrics`, taking the first spelling X sent."""
    values: dict[str, int] = {}
    for name, keys in names.items():
        for key in keys:
            if isinstance(metrics.get(key), int):
                values[name] = int(metrics[key])
                break
    return values


def _match_form(text: str) -> str:
    """Text comparable with what X returns: links become t.co, `&` comes back as `&amp;`."""
    return normalize_text_for_match(_URL_RE.sub("<url>", html.unescape(text)))


class XReading(XAuth):
    """Reading posts back (reconciliation) and their numbers; account numbers come with the
    profile."""

    def _published(self, creds: Credentials, tweet: Mapping[str, Any]) -> PublishedPost:
        return PublishedPost(
            external_id=str(tweet["id"]),
            url=self._post_url(creds, str(tweet["id"])),
            text=html.unescape(str(tweet.get("text") or "")),
            created_at=http.parse_time(tweet.get("created_at")),
            raw=dict(tweet),
        )

    def get_post(self, creds: Credentials, external_id: str) -> PublishedPost | None:
        """GET /2/tweets/{id}; None when it is gone (404, or 200 with a not-found error)."""
        headers = {"Authorization": f"Bearer {creds.access_token}"}
        resp = http.send(
            self.session,
            "GET",
            self._api(f"/2/tweets/{external_id}"),
            headers=headers,
            params={"tweet.fields": "created_at,author_id,public_metrics"},
        )
        if resp.status_code == 404:
            return None
        self._raise_for(resp)
        body = http.json_or_empty(resp)
        if not isinstance(body, dict) or not body:
            raise TransientError("X sent an unexpected body for a post lookup")
        if not isinstance(body.get("data"), dict):
            errors = body.get("errors")
            if isinstance(errors, list) and errors:
                return None  # resource-not-found / not authorized: deleted or protected
            raise TransientError("X sent a post lookup without data")
        return self._published(creds, self._data(body, "id"))

    def find_recent_post(
        self, creds: Credentials, post: OutgoingPost, *, since: datetime
    ) -> PublishedPost | None:
        """Our post matching `post` since `since` (GET /2/users/{id}/tweets with start_time).

        Links are compared as placeholders (X rewrites them to t.co); a post with media may end
        in one more link (X appends the media's t.co link to the text). With a recorded "post"
        step, that post is looked up directly."""
        if post.steps.get("post"):
            return self.get_post(creds, post.steps["post"])
        wanted = _match_form(post.text_with_link())
        with_media = normalize_text_for_match(f"{wanted} <url>") if post.media else None
        params: dict[str, Any] = {
            "start_time": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "max_results": 100,
            "exclude": "retweets",
            "tweet.fields": "created_at",
        }
        for _ in range(3):
            body = self._call("GET", f"/2/users/{creds.account_id}/tweets", creds, params=params)
            tweets = body.get("data") or []
            if not isinstance(tweets, list):
                raise TransientError("X sent a timeline that is not a list")
            for tweet in tweets:
                if not isinstance(tweet, dict) or "id" not in tweet:
                    raise TransientError("X sent a post without an id")
                if _match_form(str(tweet.get("text") or "")) in (wanted, with_media):
                    return self._published(creds, tweet)
            meta = http.as_dict(body.get("meta"))
            if not meta.get("next_token"):
                return None
            params["pagination_token"] = meta["next_token"]
        return None

    # --- measure ---------------------------------------------------------------------------

    def fetch_post_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[PostMetrics]:
        """public_metrics of our posts (GET /2/tweets?ids=..., 100 per call).

        impressions, likes, comments (replies), shares (reposts), quotes, saves (bookmarks).
        Deleted posts are left out."""
        results = []
        ids = list(external_ids)
        for start in range(0, len(ids), LOOKUP_BATCH):
            batch = ids[start : start + LOOKUP_BATCH]
            body = self._call(
                "GET",
                "/2/tweets",
                creds,
                params={"ids": ",".join(batch), "tweet.fields": "public_metrics"},
            )
            tweets = body.get("data") or []
            if not isinstance(tweets, list):
                raise TransientError("X sent post metrics that are not a list")
            for tweet in tweets:
                metrics = tweet.get("public_metrics") if isinstance(tweet, dict) else None
                if not isinstance(metrics, dict) or "id" not in tweet:
                    raise TransientError("X sent a post without public_metrics")
                results.append(
                    PostMetrics(
                        external_id=str(tweet["id"]),
                        fetched_at=datetime.now(UTC),
                        values=_counts(metrics, POST_COUNTS),
                        raw=dict(metrics),
                    )
                )
        return results

    def fetch_account_metrics(self, creds: Credentials) -> AccountMetrics:
        """followers, following, posts from GET /2/users/me public_metrics."""
        profile = self.fetch_profile(creds)
        metrics = profile.raw.get("public_metrics")
        if not isinstance(metrics, dict):
            raise TransientError("X sent a user without public_metrics")
        return AccountMetrics(
            account_id=profile.account_id,
            fetched_at=datetime.now(UTC),
            values=_counts(metrics, ACCOUNT_COUNTS),
            raw=dict(metrics),
        )
