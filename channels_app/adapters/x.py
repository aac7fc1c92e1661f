"""X (Twitter) API v2: OAuth 2.0 Authorization Code with PKCE, posts, media upload v2, DMs.

Field parameters: we send `tweet.fields`, not `post.fields`. Spec 2.167 renamed the parameter
to `post.fields`, but X's current documentation (docs.x.com "Fields": "Request specific post
fields with tweet.fields", every endpoint example) and the 2.159 spec use `tweet.fields`, and the
live response shape the docs show (`retweet_count`, `edit_history_tweet_ids`, user
`tweet_count`) is 2.159's, not 2.167's (`repost_count`, `edit_history_post_ids`, `post_count`).
We therefore follow the documentation and read both spellings of the renamed counters.

Metrics: only `public_metrics` (impressions, likes, replies, reposts, quotes, bookmarks).
`non_public_metrics`/`organic_metrics` are left out on purpose: X serves them only for the
user's own posts younger than 30 days, and asking for them on an older post fails the lookup
with a field-authorization error; `public_metrics.impression_count` already gives impressions.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from channels_app.adapters import http
from channels_app.adapters.base import (
    AccountMetrics,
    AccountProfile,
    AuthExpired,
    AuthorizationRequest,
    ConnectableAccount,
    Credentials,
    InboxAuthor,
    InboxItem,
    InboxKind,
    InboxPage,
    OutgoingPost,
    PostMetrics,
    PublishedPost,
    PublishResult,
    Rejected,
    ReplyResult,
    TransientError,
    normalize_text_for_match,
    nothing_public_yet,
    oauth_authorization,
    post_first_comment,
)

CHUNK_SIZE = 4 * 1024 * 1024
MEDIA_POLL_ATTEMPTS = 60
INBOX_PAGE_SIZE = 50
INBOX_MAX_PAGES = 5
LOOKUP_BATCH = 100
USER_FIELDS = "id,name,username,profile_image_url,public_metrics"
MENTION_FIELDS = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets"
_URL_RE = re.compile(r"https?://\S+")


# Neutral metric name -> X's `public_metrics` keys, the documented spelling first (spec 2.167
# renamed some counters; see the module docstring).
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


def _snowflake(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _match_form(text: str) -> str:
    """Text comparable with what X returns: links become t.co, `&` comes back as `&amp;`."""
    return normalize_text_for_match(_URL_RE.sub("<url>", html.unescape(text)))


class XAdapter(http.HttpAdapter):
    """X API v2 adapter (user context, OAuth 2.0 with PKCE, confidential client)."""

    kind = "x"
    connect_method = "oauth"
    uses_pkce = True
    scopes = (
        "tweet.read",
        "tweet.write",
        "users.read",
        "media.write",
        "offline.access",
        "dm.read",
        "dm.write",
    )
    required_scopes = (
        "tweet.read",
        "tweet.write",
        "users.read",
        "media.write",
        "offline.access",
    )
    DEFAULT_URLS = {
        "authorize": "https://x.com/i/oauth2/authorize",
        "token": "https://api.x.com/2/oauth2/token",
        "api": "https://api.x.com",
        "web": "https://x.com",
    }

    # --- helpers ---------------------------------------------------------------------------

    def _api(self, path: str) -> str:
        return f"{self.urls['api'].rstrip('/')}{path}"

    @staticmethod
    def _reason(body: Any) -> str:
        if not isinstance(body, dict):
            return ""
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else {}
        first = first if isinstance(first, dict) else {}
        return str(
            body.get("detail")
            or first.get("detail")
            or first.get("message")
            or body.get("error_description")
            or body.get("title")
            or body.get("error")
            or ""
        )

    def _raise_for(self, resp: requests.Response) -> None:
        """Map X's problem bodies onto the adapter errors (401 expired, 403 duplicate, 429)."""
        if resp.status_code < 400:
            return
        http.raise_for_transport(resp, reset_header="x-rate-limit-reset")
        body = http.json_or_empty(resp)
        reason = self._reason(body)
        kind = str(body.get("type") or "") if isinstance(body, dict) else ""
        if resp.status_code == 401:
            raise AuthExpired(reason or "X rejected the access token.", status=401, code=kind)
        duplicate = resp.status_code == 403 and "duplicate" in reason.lower()
        raise Rejected(
            reason or f"X refused the request (HTTP {resp.status_code}).",
            duplicate=duplicate,
            status=resp.status_code,
            code=kind or None,
        )

    def _call(self, method: str, path: str, creds: Credentials, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {creds.access_token}", **kwargs.pop("headers", {})}
        resp = http.send(self.session, method, self._api(path), headers=headers, **kwargs)
        self._raise_for(resp)
        body = http.json_or_empty(resp)
        if not isinstance(body, dict) or not body:
            raise TransientError(
                f"X sent an unexpected body ({http.safe_url(resp.url)})", status=resp.status_code
            )
        return body

    @staticmethod
    def _data(body: Mapping[str, Any], *keys: str) -> dict[str, Any]:
        data = body.get("data")
        if not isinstance(data, dict) or any(not data.get(k) for k in keys):
            raise TransientError("X sent a response without the expected data")
        return data

    def _post_url(self, creds: Credentials, post_id: str) -> str:
        username = creds.extra.get("username")
        web = self.urls["web"].rstrip("/")
        return f"{web}/{username}/status/{post_id}" if username else f"{web}/i/web/status/{post_id}"

    # --- connect ---------------------------------------------------------------------------

    def authorization_request(
        self, *, state: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> AuthorizationRequest:
        """X's authorize URL with PKCE S256 (X requires PKCE). No network."""
        if not code_verifier:
            raise Rejected("X requires PKCE: pass a code_verifier.")
        return oauth_authorization(
            self.urls["authorize"],
            self.config,
            state=state,
            scope=" ".join(self.scopes),
            code_verifier=code_verifier,
        )

    def _token(self, data: Mapping[str, str], *, refreshing: bool) -> dict[str, Any]:
        resp = http.send(
            self.session,
            "POST",
            self.urls["token"],
            data=dict(data),
            auth=(self.config.client_id, self.config.client_secret),
        )
        if resp.status_code in (400, 401) and refreshing:
            raise AuthExpired(
                self._reason(http.json_or_empty(resp)) or "X refused the refresh token.",
                status=resp.status_code,
            )
        self._raise_for(resp)
        body = http.json_or_empty(resp)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise TransientError("X's token response has no access_token")
        return body

    def _credentials(
        self, token: Mapping[str, Any], account_id: str, previous: Credentials | None = None
    ) -> Credentials:
        expires_in = token.get("expires_in")
        expires_at = (
            datetime.now(UTC) + timedelta(seconds=int(expires_in))
            if isinstance(expires_in, int | float)
            else None
        )
        scope = token.get("scope")
        return Credentials(
            account_id=account_id,
            access_token=str(token["access_token"]),
            # Refresh tokens rotate: keep the new one (fall back to the old if X sent none).
            refresh_token=str(
                token.get("refresh_token") or (previous.refresh_token if previous else "") or ""
            )
            or None,
            expires_at=expires_at,
            scopes=tuple(str(scope).split()) if scope else (previous.scopes if previous else ()),
            extra=dict(previous.extra) if previous else {},
        )

    def exchange_code(
        self, *, code: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> list[ConnectableAccount]:
        """Trade the code (POST /2/oauth2/token, HTTP Basic client auth), then GET /2/users/me.

        Returns the one account the token acts for, expires_at from expires_in.
        Raises Rejected (bad/expired code), RateLimited, TransientError."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            "code_verifier": code_verifier or "",
        }
        token = self._token(data, refreshing=False)
        creds = self._credentials(token, account_id="")
        profile = self.fetch_profile(creds)
        creds = Credentials(
            account_id=profile.account_id,
            access_token=creds.access_token,
            refresh_token=creds.refresh_token,
            expires_at=creds.expires_at,
            scopes=creds.scopes,
            extra={"username": str(profile.raw.get("username", ""))},
        )
        return [ConnectableAccount(credentials=creds, profile=profile)]

    def refresh_token(self, creds: Credentials) -> Credentials:
        """New credentials from the refresh token (which rotates: the new one is returned).

        Raises AuthExpired when there is no refresh token or X refuses it."""
        if not creds.refresh_token:
            raise AuthExpired("No refresh token (offline.access was not granted).")
        token = self._token(
            {"grant_type": "refresh_token", "refresh_token": creds.refresh_token}, refreshing=True
        )
        return self._credentials(token, creds.account_id, previous=creds)

    def fetch_profile(self, creds: Credentials) -> AccountProfile:
        """The token's user (GET /2/users/me with public_metrics)."""
        body = self._call("GET", "/2/users/me", creds, params={"user.fields": USER_FIELDS})
        user = self._data(body, "id", "username")
        metrics = user.get("public_metrics") or {}
        return AccountProfile(
            account_id=str(user["id"]),
            handle=f"@{user['username']}",
            name=str(user.get("name") or ""),
            avatar_url=str(user.get("profile_image_url") or ""),
            url=f"{self.urls['web'].rstrip('/')}/{user['username']}",
            followers=metrics.get("followers_count") if isinstance(metrics, dict) else None,
            raw=user,
        )

    # --- publish ---------------------------------------------------------------------------

    def _wait_for_processing(self, creds: Credentials, data: Mapping[str, Any]) -> None:
        media_id = str(data["id"])
        info = data.get("processing_info")
        for _ in range(MEDIA_POLL_ATTEMPTS):
            if not isinstance(info, dict) or info.get("state") in (None, "succeeded"):
                return
            if info.get("state") == "failed":
                error = info.get("error") if isinstance(info.get("error"), dict) else {}
                raise Rejected(str(error.get("message") or "X could not process the media."))
            self._sleep(max(1, int(info.get("check_after_secs") or 1)))
            body = self._call(
                "GET",
                "/2/media/upload",
                creds,
                params={"media_id": media_id, "command": "STATUS"},
            )
            info = self._data(body, "id").get("processing_info")
        raise TransientError("X is still processing the media; try again later")

    def _upload(self, creds: Credentials, post: OutgoingPost, index: int) -> str:
        """The media id of `post.media[index]`, uploaded, processed and described, resuming
        from `post.steps`: "upload:<index>" (a finalized chunked upload, maybe processing) and
        "media:<index>" (ready to attach)."""
        key = f"media:{index}"
        if post.steps.get(key):
            return post.steps[key]
        media = post.media[index]
        media_id = post.steps.get(f"upload:{index}", "")
        if media_id:
            data: Mapping[str, Any] = self._data(
                self._call(
                    "GET",
                    "/2/media/upload",
                    creds,
                    params={"media_id": media_id, "command": "STATUS"},
                ),
                "id",
            )
        elif media.is_image and media.content_type != "image/gif":
            # Simple upload (multipart) for still images.
            body = self._call(
                "POST",
                "/2/media/upload",
                creds,
                data={"media_category": "tweet_image"},
                files={"media": ("media", media.read_bytes(), media.content_type)},
                timeout=http.UPLOAD_TIMEOUT,
            )
            data = self._data(body, "id")
        else:
            content = media.read_bytes()
            category = "tweet_gif" if media.content_type == "image/gif" else "tweet_video"
            body = self._call(
                "POST",
                "/2/media/upload/initialize",
                creds,
                json={
                    "media_type": media.content_type,
                    "total_bytes": len(content),
                    "media_category": category,
                },
            )
            media_id = str(self._data(body, "id")["id"])
            for segment, start in enumerate(range(0, len(content), CHUNK_SIZE)):
                self._call(
                    "POST",
                    f"/2/media/upload/{media_id}/append",
                    creds,
                    data={"segment_index": str(segment)},
                    files={"media": ("chunk", content[start : start + CHUNK_SIZE])},
                    timeout=http.UPLOAD_TIMEOUT,
                )
            data = self._data(
                self._call("POST", f"/2/media/upload/{media_id}/finalize", creds), "id"
            )
            post.step_done(f"upload:{index}", str(data["id"]))
        self._wait_for_processing(creds, data)
        media_id = str(data["id"])
        if media.alt_text:
            self._call(
                "POST",
                "/2/media/metadata",
                creds,
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt_text[:1000]}}},
            )
        post.step_done(key, media_id)
        return media_id

    def _create_post(self, creds: Credentials, body: dict[str, Any]) -> dict[str, Any]:
        return self._data(self._call("POST", "/2/tweets", creds, json=body), "id")

    def publish(self, creds: Credentials, post: OutgoingPost) -> PublishResult:
        """Upload media (image simple upload; GIF/video chunked + processing), then POST /2/tweets.

        The link is appended unless already in the text. A first comment is a reply to the
        new post; its failure fills `first_comment_error`. X has no idempotency key: a 403
        duplicate-content refusal raises Rejected(duplicate=True) for the engine to reconcile
        (`find_recent_post` finds the post by its text, or by the recorded "post" step).

        Resumable: records "upload:<i>"/"media:<i>" (media ids), "post" and "first_comment"
        through `post.record_step` and skips what `post.steps` has (with "post" recorded, only
        the first comment is left). Failures before the post is created raise
        TransientError(sent=False): nothing is public yet."""
        data: dict[str, Any] = {}
        external_id = post.steps.get("post", "")
        if not external_id:
            with nothing_public_yet():
                media_ids = [self._upload(creds, post, i) for i in range(len(post.media))]
            body: dict[str, Any] = {"text": post.text_with_link()}
            if media_ids:
                body["media"] = {"media_ids": media_ids}
            if post.reply_to_id:
                body["reply"] = {"in_reply_to_tweet_id": post.reply_to_id}
            data = self._create_post(creds, body)
            external_id = str(data["id"])
            post.step_done("post", external_id)
        comment_id, comment_error = post_first_comment(
            post,
            lambda text: str(
                self._create_post(
                    creds, {"text": text, "reply": {"in_reply_to_tweet_id": external_id}}
                )["id"]
            ),
        )
        return PublishResult(
            external_id=external_id,
            url=self._post_url(creds, external_id),
            first_comment_id=comment_id,
            first_comment_error=comment_error,
            raw=data,
        )

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
            meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
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

    # --- webcare ---------------------------------------------------------------------------

    @staticmethod
    def _users(body: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        includes = body.get("includes") if isinstance(body.get("includes"), dict) else {}
        users = includes.get("users") if isinstance(includes, dict) else None
        return {str(u["id"]): u for u in users or [] if isinstance(u, dict) and "id" in u}

    @staticmethod
    def _author(user_id: str, users: Mapping[str, Mapping[str, Any]]) -> InboxAuthor:
        user = users.get(user_id, {})
        username = str(user.get("username") or "")
        return InboxAuthor(
            external_id=user_id,
            handle=f"@{username}" if username else "",
            name=str(user.get("name") or ""),
            avatar_url=str(user.get("profile_image_url") or ""),
        )

    def _pages(
        self, creds: Credentials, path: str, params: dict[str, Any], *, newer_than: int
    ) -> Iterator[tuple[dict[str, Any], dict[str, Mapping[str, Any]]]]:
        """Items of a newest-first timeline down to `newer_than` (a few pages when catching up)."""
        for _ in range(INBOX_MAX_PAGES if newer_than else 1):
            body = self._call("GET", path, creds, params=params)
            data = body.get("data") or []
            if not isinstance(data, list):
                raise TransientError("X sent a timeline that is not a list")
            users = self._users(body)
            reached = False
            for entry in data:
                if not isinstance(entry, dict) or "id" not in entry:
                    raise TransientError("X sent an entry without an id")
                if _snowflake(str(entry["id"])) <= newer_than:
                    reached = True
                    continue
                yield entry, users
            meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
            if reached or not meta.get("next_token"):
                return
            params = {**params, "pagination_token": meta["next_token"]}

    def fetch_inbox(self, creds: Credentials, *, cursor: str | None) -> InboxPage:
        """Mentions (GET /2/users/{id}/mentions, since_id) and DMs (GET /2/dm_events).

        The cursor packs both newest ids as JSON. dm_events has no since_id: events are
        filtered by id (ids grow with time). Our own DMs are skipped. Items oldest first."""
        state: dict[str, str] = {}
        if cursor:
            try:
                loaded = json.loads(cursor)
            except ValueError:
                loaded = {}
            state = {k: str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        mentions_since = state.get("mentions", "")
        dm_since = state.get("dm", "")
        items: list[InboxItem] = []

        params: dict[str, Any] = {
            "max_results": INBOX_PAGE_SIZE,
            "tweet.fields": MENTION_FIELDS,
            "expansions": "author_id",
            "user.fields": "username,name,profile_image_url",
        }
        if mentions_since:
            params["since_id"] = mentions_since
        newest_mention = mentions_since
        for tweet, users in self._pages(
            creds,
            f"/2/users/{creds.account_id}/mentions",
            params,
            newer_than=_snowflake(mentions_since),
        ):
            tweet_id = str(tweet["id"])
            if _snowflake(tweet_id) > _snowflake(newest_mention):
                newest_mention = tweet_id
            replied = next(
                (
                    str(ref.get("id"))
                    for ref in tweet.get("referenced_tweets") or []
                    if isinstance(ref, dict) and ref.get("type") == "replied_to"
                ),
                "",
            )
            kind: InboxKind = (
                "comment" if tweet.get("in_reply_to_user_id") == creds.account_id else "mention"
            )
            created = http.parse_time(tweet.get("created_at"))
            if created is None:
                raise TransientError("X sent a mention without created_at")
            author_id = str(tweet.get("author_id") or "")
            items.append(
                InboxItem(
                    external_id=tweet_id,
                    kind=kind,
                    author=self._author(author_id, users),
                    text=html.unescape(str(tweet.get("text") or "")),
                    created_at=created,
                    thread_id=str(tweet.get("conversation_id") or tweet_id),
                    post_external_id=replied if kind == "comment" else "",
                    parent_external_id=replied,
                    reply_to=tweet_id,
                    url=f"{self.urls['web'].rstrip('/')}/i/web/status/{tweet_id}",
                    raw=tweet,
                )
            )

        dm_params: dict[str, Any] = {
            "max_results": INBOX_PAGE_SIZE,
            "event_types": "MessageCreate",
            "dm_event.fields": "id,text,created_at,sender_id,dm_conversation_id,participant_ids",
            "expansions": "sender_id",
            "user.fields": "username,name,profile_image_url",
        }
        newest_dm = dm_since
        for event, users in self._pages(
            creds, "/2/dm_events", dm_params, newer_than=_snowflake(dm_since)
        ):
            event_id = str(event["id"])
            if _snowflake(event_id) > _snowflake(newest_dm):
                newest_dm = event_id
            sender = str(event.get("sender_id") or "")
            if (
                sender == creds.account_id
                or event.get("event_type", "MessageCreate") != "MessageCreate"
            ):
                continue
            created = http.parse_time(event.get("created_at"))
            if created is None:
                raise TransientError("X sent a DM without created_at")
            items.append(
                InboxItem(
                    external_id=event_id,
                    kind="message",
                    author=self._author(sender, users),
                    text=str(event.get("text") or ""),
                    created_at=created,
                    thread_id=str(event.get("dm_conversation_id") or ""),
                    reply_to=sender,
                    raw=event,
                )
            )
        items.sort(key=lambda item: (item.created_at, _snowflake(item.external_id)))
        new_cursor = json.dumps({"mentions": newest_mention, "dm": newest_dm}, sort_keys=True)
        return InboxPage(items=tuple(items), cursor=new_cursor)

    def reply(self, creds: Credentials, item: InboxItem, text: str) -> ReplyResult:
        """A DM to the sender for messages (POST /2/dm_conversations/with/{id}/messages),
        otherwise a reply post to `item.reply_to`. Raises the adapter errors."""
        if item.kind == "message":
            body = self._call(
                "POST",
                f"/2/dm_conversations/with/{item.reply_to}/messages",
                creds,
                json={"text": text},
            )
            data = self._data(body, "dm_event_id")
            return ReplyResult(external_id=str(data["dm_event_id"]))
        data = self._create_post(
            creds, {"text": text, "reply": {"in_reply_to_tweet_id": item.reply_to}}
        )
        return ReplyResult(external_id=str(data["id"]), url=self._post_url(creds, str(data["id"])))
