"""Mastodon: any instance, per-instance app registration, OAuth 2 with PKCE, REST API v1/v2.

Tokens do not expire (Mastodon issues no expires_in and no refresh token): `refresh_token`
verifies the token and returns the credentials unchanged, or raises AuthExpired on 401.
Every URL is `self.urls[name]` formatted with the instance's base URL, so tests and stand-ins
can point any endpoint elsewhere.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from channels_app.adapters import http
from channels_app.adapters.base import (
    AccountMetrics,
    AccountProfile,
    AdapterError,
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

_HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:\d{1,5})?$"
)
_TAG_RE = re.compile(r"<[^>]+>")
_PARA_RE = re.compile(r"</p>\s*<p[^>]*>", re.IGNORECASE)
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)

MEDIA_POLL_ATTEMPTS = 30
INBOX_LIMIT = 40  # Mastodon's maximum page size for notifications
OWN_STATUSES_PAGES = 3


def normalize_instance_url(text: str) -> str:
    """ "mastodon.social", "https://mastodon.social/" or "@user@mastodon.social" -> "https://host".

    Raises Rejected for anything that is not a plausible https host name (http is refused)."""
    value = (text or "").strip()
    if value.count("@") and "://" not in value:
        value = value.rsplit("@", 1)[-1]  # "@user@host" / "user@host"
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme.lower() != "https":
            raise Rejected("Mastodon instances must be reached over https.")
        value = parts.netloc
    else:
        value = value.split("/", 1)[0]
    host = value.strip().rstrip(".").lower()
    if "@" in host or not _HOST_RE.match(host):
        raise Rejected(f"{text!r} is not a Mastodon instance address.")
    return f"https://{host}"


def html_to_text(content: str) -> str:
    """The plain text of a status' HTML `content` (paragraphs and line breaks kept)."""
    text = _PARA_RE.sub("\n\n", content or "")
    text = _BR_RE.sub("\n", text)
    return html.unescape(_TAG_RE.sub("", text)).strip()


def _id_key(value: str) -> tuple[int, str]:
    """Mastodon ids are numeric strings (snowflake-like): order them numerically."""
    return (int(value), value) if value.isdigit() else (0, value)


class MastodonAdapter(http.HttpAdapter):
    """Mastodon adapter. `config` carries the instance's client_id/secret (from `register_app`)."""

    kind = "mastodon"
    # Mastodon answers a repeated Idempotency-Key with the status it already made, for an hour:
    # within this many seconds the engine may safely send a post of unknown outcome again.
    idempotency_window: ClassVar[int] = 50 * 60
    connect_method = "instance_oauth"
    uses_pkce = True
    scopes = (
        "read:accounts",
        "read:statuses",
        "read:notifications",
        "write:statuses",
        "write:media",
    )
    required_scopes = (
        "read:accounts",
        "read:notifications",
        "write:statuses",
        "write:media",
    )
    # "{instance}" is the instance's base URL ("https://mastodon.social").
    DEFAULT_URLS = {
        "authorize": "{instance}/oauth/authorize",
        "token": "{instance}/oauth/token",
        "apps": "{instance}/api/v1/apps",
        "instance": "{instance}/api/v2/instance",
        "verify_credentials": "{instance}/api/v1/accounts/verify_credentials",
        "media": "{instance}/api/v2/media",
        "media_item": "{instance}/api/v1/media/{id}",
        "statuses": "{instance}/api/v1/statuses",
        "status": "{instance}/api/v1/statuses/{id}",
        "account_statuses": "{instance}/api/v1/accounts/{id}/statuses",
        "notifications": "{instance}/api/v1/notifications",
    }

    # --- helpers ---------------------------------------------------------------------------

    def _url(self, name: str, instance: str | None, **ids: str) -> str:
        if not instance:
            raise Rejected("A Mastodon instance address is required.")
        return self.urls[name].format(instance=instance.rstrip("/"), **ids)

    def _request(
        self,
        method: str,
        name: str,
        instance: str | None,
        *,
        token: str | None = None,
        ids: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = self._url(name, instance, **(ids or {}))
        return http.send(self.session, method, url, headers=headers, **kwargs)

    @staticmethod
    def _raise_for(resp: requests.Response) -> None:
        """Map a Mastodon error response ({"error": ...}) onto the adapter errors."""
        if resp.status_code < 400:
            return
        http.raise_for_transport(resp, reset_header="X-RateLimit-Reset")
        body = http.json_or_empty(resp)
        message = ""
        if isinstance(body, dict):
            message = str(body.get("error_description") or body.get("error") or "")
        if resp.status_code == 401:
            raise AuthExpired(
                message or "Mastodon rejected the access token.", status=401, code="401"
            )
        raise Rejected(
            message or f"Mastodon refused the request (HTTP {resp.status_code}).",
            status=resp.status_code,
        )

    @staticmethod
    def _json(resp: requests.Response, expected: type = dict) -> Any:
        body = http.json_or_empty(resp)
        if not isinstance(body, expected) or (expected is dict and not body):
            raise TransientError(
                f"Mastodon sent an unexpected body ({http.safe_url(resp.url)})",
                status=resp.status_code,
            )
        return body

    def _call(self, method: str, name: str, instance: str | None, **kw: Any) -> requests.Response:
        resp = self._request(method, name, instance, **kw)
        self._raise_for(resp)
        return resp

    @staticmethod
    def _profile(account: Mapping[str, Any], instance: str) -> AccountProfile:
        try:
            acct = str(account["acct"])
            handle = acct if "@" in acct else f"{acct}@{urlsplit(instance).netloc}"
            return AccountProfile(
                account_id=str(account["id"]),
                handle=f"@{handle}",
                name=str(account.get("display_name") or account.get("username") or ""),
                avatar_url=str(account.get("avatar") or ""),
                url=str(account.get("url") or ""),
                followers=account.get("followers_count"),
                raw=dict(account),
            )
        except (KeyError, TypeError) as exc:
            raise TransientError("Mastodon sent an account without id/acct") from exc

    # --- instance setup --------------------------------------------------------------------

    def register_app(self, instance_url: str, *, client_name: str, website: str) -> tuple[str, str]:
        """Register our app on an instance (POST /api/v1/apps) with our redirect URI and scopes.

        Returns (client_id, client_secret). Raises Rejected, RateLimited, TransientError."""
        resp = self._call(
            "POST",
            "apps",
            instance_url,
            json={
                "client_name": client_name,
                "redirect_uris": [self.config.redirect_uri],
                "scopes": " ".join(self.scopes),
                "website": website,
            },
        )
        body = self._json(resp)
        if not body.get("client_id") or not body.get("client_secret"):
            raise TransientError("Mastodon registered the app without returning its keys")
        return str(body["client_id"]), str(body["client_secret"])

    def fetch_instance(self, instance_url: str) -> dict[str, Any]:
        """The instance's `configuration` (GET /api/v2/instance): statuses, media limits, polls.

        Raises Rejected, RateLimited, TransientError (also when the body lacks it)."""
        body = self._json(self._call("GET", "instance", instance_url))
        config = body.get("configuration")
        if not isinstance(config, dict):
            raise TransientError("Mastodon's instance description has no configuration")
        return config

    def fetch_limits(self, creds: Credentials) -> dict[str, Any]:
        """The limits this channel's server sets (its instance `configuration`), for the rules
        registry's `with_instance_limits`. Raises like `fetch_instance`."""
        if not creds.instance_url:
            raise Rejected("This channel has no Mastodon server address.")
        return self.fetch_instance(creds.instance_url)

    # --- connect ---------------------------------------------------------------------------

    def authorization_request(
        self, *, state: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> AuthorizationRequest:
        """The instance's authorize URL (PKCE S256 when `code_verifier` is given). No network."""
        return oauth_authorization(
            self._url("authorize", instance_url),
            self.config,
            state=state,
            scope=" ".join(self.scopes),
            code_verifier=code_verifier,
        )

    def exchange_code(
        self, *, code: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> list[ConnectableAccount]:
        """Trade the code for a token (POST /oauth/token), then read the account.

        Returns one account (Mastodon tokens belong to one account; they never expire).
        Raises Rejected (bad code), RateLimited, TransientError."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.config.redirect_uri,
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
        }
        if code_verifier:
            data["code_verifier"] = code_verifier
        resp = self._request("POST", "token", instance_url, data=data)
        if resp.status_code in (400, 401):
            # invalid_grant / invalid_client: the code, not our token, is the problem.
            body = http.json_or_empty(resp)
            reason = (
                body.get("error_description") or body.get("error") if isinstance(body, dict) else ""
            )
            raise Rejected(
                str(reason or "Mastodon refused the authorization code."), status=resp.status_code
            )
        self._raise_for(resp)
        token = self._json(resp)
        access = token.get("access_token")
        if not access:
            raise TransientError("Mastodon's token response has no access_token")
        instance = str(instance_url).rstrip("/")
        account = self._json(self._call("GET", "verify_credentials", instance, token=str(access)))
        profile = self._profile(account, instance)
        creds = Credentials(
            account_id=profile.account_id,
            access_token=str(access),
            instance_url=instance,
            scopes=tuple(str(token.get("scope") or "").split()),
            extra={"acct": str(account.get("acct", ""))},
        )
        return [ConnectableAccount(credentials=creds, profile=profile)]

    def refresh_token(self, creds: Credentials) -> Credentials:
        """Mastodon tokens do not expire and have no refresh: verify the token and return `creds`.

        Raises AuthExpired when the instance rejects it (revoked), else as fetch_profile."""
        self.fetch_profile(creds)
        return creds

    def fetch_profile(self, creds: Credentials) -> AccountProfile:
        """The connected account (GET /api/v1/accounts/verify_credentials)."""
        resp = self._call("GET", "verify_credentials", creds.instance_url, token=creds.access_token)
        return self._profile(self._json(resp), str(creds.instance_url))

    # --- publish ---------------------------------------------------------------------------

    def _upload(self, creds: Credentials, post: OutgoingPost, index: int) -> str:
        """The id of `post.media[index]`, uploaded and processed, resuming from `post.steps`.

        Steps: "upload:<index>" (accepted, maybe still processing) then "media:<index>" (ready
        to attach). A recorded upload the instance no longer knows (404) is uploaded again."""
        key = f"media:{index}"
        if post.steps.get(key):
            return post.steps[key]
        media_id = post.steps.get(f"upload:{index}", "")
        if media_id and not self._media_ready(creds, media_id):
            media_id = ""
        if not media_id:
            media = post.media[index]
            data = {"description": media.alt_text} if media.alt_text else {}
            files = {
                "file": (
                    os.path.basename(media.path) or "upload",
                    media.read_bytes(),
                    media.content_type,
                )
            }
            resp = self._call(
                "POST",
                "media",
                creds.instance_url,
                token=creds.access_token,
                data=data,
                files=files,
                timeout=http.UPLOAD_TIMEOUT,
            )
            body = self._json(resp)
            media_id = str(body.get("id") or "")
            if not media_id:
                raise TransientError("Mastodon accepted the upload without an id")
            if resp.status_code != 200:
                # 202: processed asynchronously; GET /api/v1/media/{id} answers 206 until ready.
                post.step_done(f"upload:{index}", media_id)
                if not self._media_ready(creds, media_id, wait=True):
                    raise TransientError("Mastodon lost the media while processing it")
        post.step_done(key, media_id)
        return media_id

    def _media_ready(self, creds: Credentials, media_id: str, *, wait: bool = False) -> bool:
        """Poll GET /api/v1/media/{id} until 200 (ready). False when the instance no longer has
        it (404). Raises TransientError when it is still processing after the polls."""
        for attempt in range(MEDIA_POLL_ATTEMPTS):
            if wait or attempt:
                self._sleep(2)
            resp = self._request(
                "GET",
                "media_item",
                creds.instance_url,
                token=creds.access_token,
                ids={"id": media_id},
            )
            if resp.status_code == 404:
                return False
            self._raise_for(resp)
            if resp.status_code == 200:
                return True
        raise TransientError("Mastodon is still processing the media; try again later")

    def _post_status(
        self, creds: Credentials, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        resp = self._call(
            "POST",
            "statuses",
            creds.instance_url,
            token=creds.access_token,
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )
        status = self._json(resp)
        if not status.get("id"):
            raise TransientError("Mastodon created a status without an id")
        return status

    def publish(self, creds: Credentials, post: OutgoingPost) -> PublishResult:
        """Upload media (alt text as description), then POST /api/v1/statuses.

        Sends `post.idempotency_key` as Idempotency-Key (the instance dedupes for an hour).
        The link is appended to the text unless already in it. A first comment is posted as a
        reply (with its own derived key); its failure fills `first_comment_error`.

        Resumable: records "upload:<i>"/"media:<i>" (media ids), "post" (the status id) and
        "first_comment" through `post.record_step`, and skips what `post.steps` already has
        (with "post" recorded, only the first comment is left to do). Failures before the
        status is created raise TransientError(sent=False): nothing is public yet. Raises the
        adapter errors."""
        status: dict[str, Any] = {}
        external_id = post.steps.get("post", "")
        if not external_id:
            with nothing_public_yet():
                media_ids = [self._upload(creds, post, i) for i in range(len(post.media))]
            body: dict[str, Any] = {"status": post.text_with_link("\n\n")}
            if media_ids:
                body["media_ids"] = media_ids
            if post.reply_to_id:
                body["in_reply_to_id"] = post.reply_to_id
            if post.language:
                body["language"] = post.language
            status = self._post_status(creds, body, post.idempotency_key)
            external_id = str(status["id"])
            post.step_done("post", external_id)
        else:
            try:
                found = self.get_post(creds, external_id)
                status = dict(found.raw) if found else {}
            except AdapterError:
                pass  # it is out; a missing link must not make anyone publish it again
        comment_id, comment_error = post_first_comment(
            post,
            lambda text: str(
                self._post_status(
                    creds,
                    {"status": text, "in_reply_to_id": external_id},
                    f"{post.idempotency_key}:first-comment",
                )["id"]
            ),
        )
        return PublishResult(
            external_id=external_id,
            url=str(status.get("url") or status.get("uri") or ""),
            first_comment_id=comment_id,
            first_comment_error=comment_error,
            raw=status,
        )

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

    # --- webcare ---------------------------------------------------------------------------

    def _inbox_item(self, creds: Credentials, notification: Mapping[str, Any]) -> InboxItem | None:
        status = notification.get("status")
        account = notification.get("account")
        if not isinstance(status, dict) or not isinstance(account, dict):
            return None
        try:
            kind: InboxKind = "mention"
            post_id = ""
            if status.get("visibility") == "direct":
                kind = "message"
            elif status.get("in_reply_to_account_id") == creds.account_id:
                kind = "comment"
                post_id = str(status.get("in_reply_to_id") or "")
            created = http.parse_time(status.get("created_at") or notification.get("created_at"))
            if created is None:
                raise TransientError("Mastodon sent a mention without a date")
            return InboxItem(
                external_id=str(status["id"]),
                kind=kind,
                author=InboxAuthor(
                    external_id=str(account["id"]),
                    handle=f"@{account['acct']}",
                    name=str(account.get("display_name") or ""),
                    avatar_url=str(account.get("avatar") or ""),
                ),
                text=html_to_text(str(status.get("content") or "")),
                created_at=created,
                thread_id=str(status.get("in_reply_to_id") or status["id"]),
                post_external_id=post_id,
                parent_external_id=str(status.get("in_reply_to_id") or ""),
                reply_to=str(status["id"]),
                url=str(status.get("url") or status.get("uri") or ""),
                raw=dict(notification),
            )
        except KeyError as exc:
            raise TransientError("Mastodon sent a mention without ids") from exc

    def fetch_inbox(self, creds: Credentials, *, cursor: str | None) -> InboxPage:
        """Mention notifications (replies, mentions, DMs = direct-visibility mentions).

        cursor None: the latest 40; otherwise the mentions after that notification id
        (`min_id`). Items oldest first; the cursor is the newest notification id seen."""
        params: dict[str, Any] = {"types[]": "mention", "limit": INBOX_LIMIT}
        if cursor:
            params["min_id"] = cursor
        resp = self._call(
            "GET", "notifications", creds.instance_url, token=creds.access_token, params=params
        )
        notifications = self._json(resp, list)
        newest = cursor
        items = []
        for notification in sorted(
            (n for n in notifications if isinstance(n, dict) and n.get("id")),
            key=lambda n: _id_key(str(n["id"])),
        ):
            newest = str(notification["id"])
            if notification.get("type") != "mention":
                continue
            item = self._inbox_item(creds, notification)
            if item is not None:
                items.append(item)
        return InboxPage(items=tuple(items), cursor=newest)

    def reply(self, creds: Credentials, item: InboxItem, text: str) -> ReplyResult:
        """Answer with a status in reply to `item.reply_to`, starting with @acct.

        DMs stay direct; private/unlisted threads keep their visibility. The Idempotency-Key is
        derived from the item and the text, so a retried reply is not posted twice."""
        handle = (
            item.author.handle if item.author.handle.startswith("@") else f"@{item.author.handle}"
        )
        body_text = text if text.lstrip().startswith(handle) else f"{handle} {text}"
        body: dict[str, Any] = {"status": body_text, "in_reply_to_id": item.reply_to}
        status_raw = item.raw.get("status") if isinstance(item.raw, Mapping) else None
        visibility = status_raw.get("visibility") if isinstance(status_raw, Mapping) else None
        if item.kind == "message":
            body["visibility"] = "direct"
        elif visibility in ("private", "unlisted", "direct"):
            body["visibility"] = visibility
        key = hashlib.sha256(f"{item.reply_to}\n{body_text}".encode()).hexdigest()
        status = self._post_status(creds, body, f"reply-{key[:40]}")
        return ReplyResult(external_id=str(status["id"]), url=str(status.get("url") or ""))
