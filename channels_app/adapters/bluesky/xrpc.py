"""Bluesky XRPC plumbing: one call shape, the error mapping, where posts live on the web."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from channels_app.adapters import http
from channels_app.adapters.base import (
    AuthExpired,
    Credentials,
    PlatformConfig,
    RateLimited,
    Rejected,
    TransientError,
)
from channels_app.adapters.http import as_dict

POST_COLLECTION = "app.bsky.feed.post"
CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"
AUTH_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthMissing", "AuthRequired"})


def rkey_of(uri: str) -> str:
    """The record key of an at:// URI (its last path segment), as post URLs use it."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


class BlueskyXrpc(http.HttpAdapter):
    """XRPC plumbing shared by the Bluesky adapter's parts: calls, error mapping, post URLs.

    Options: "chat_proxy" (the `atproto-proxy` target for chat calls), "video_poll_seconds"
    and "video_max_polls" (video service job polling)."""

    DEFAULT_URLS = {
        "service": "https://bsky.social",  # where login() starts (the entryway)
        "video": "https://video.bsky.app",  # the video processing service
        "web": "https://bsky.app",  # public post/profile pages
    }

    def __init__(self, config: PlatformConfig, session: requests.Session | None = None) -> None:
        super().__init__(config, session)
        self.chat_proxy = config.options.get("chat_proxy", CHAT_PROXY)
        self.video_poll_seconds = float(config.options.get("video_poll_seconds", "2"))
        self.video_max_polls = int(config.options.get("video_max_polls", "150"))

    def _raise_for_error(self, resp: requests.Response) -> None:
        if resp.status_code < 400:
            return
        body = as_dict(http.json_or_empty(resp))
        error = str(body.get("error") or "")
        message = str(body.get("message") or error or f"HTTP {resp.status_code}")
        if resp.status_code == 429 or error == "RateLimitExceeded":
            raise RateLimited(
                f"Bluesky rate limit: {message}",
                retry_after=http.retry_after_seconds(resp, reset_header="RateLimit-Reset"),
                code=error or None,
                status=resp.status_code,
            )
        if resp.status_code >= 500:
            http.raise_for_transport(resp)
        if resp.status_code == 401 or error in AUTH_ERRORS:
            raise AuthExpired(
                f"Bluesky rejected the session: {message}",
                code=error or None,
                status=resp.status_code,
            )
        raise Rejected(message, code=error or None, status=resp.status_code)

    def _xrpc(
        self,
        method: str,
        base: str,
        nsid: str,
        *,
        token: str | None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
        raise_errors: bool = True,
    ) -> tuple[requests.Response, dict[str, Any]]:
        all_headers: dict[str, str] = {"Accept": "application/json"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        resp = http.send(
            self.session,
            method,
            f"{base.rstrip('/')}/xrpc/{nsid}",
            params=params,
            json=json_body,
            data=data,
            headers=all_headers,
            timeout=timeout,
        )
        if raise_errors:
            self._raise_for_error(resp)
        body = http.json_or_empty(resp)
        if resp.status_code < 400 and not isinstance(body, dict):
            raise TransientError(f"{nsid} answered with a malformed body")
        return resp, as_dict(body)

    def _call(
        self,
        creds: Credentials,
        method: str,
        nsid: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
    ) -> dict[str, Any]:
        base = creds.instance_url or self.urls["service"]
        _, body = self._xrpc(
            method,
            base,
            nsid,
            token=creds.access_token,
            params=params,
            json_body=json_body,
            data=data,
            headers=headers,
            timeout=timeout,
        )
        return body

    @staticmethod
    def _require(body: Mapping[str, Any], *keys: str) -> None:
        for key in keys:
            if key not in body:
                raise TransientError(f"Bluesky answered without {key!r}")

    def post_url(self, creds: Credentials, uri: str) -> str:
        """https://bsky.app/profile/<handle or DID>/post/<rkey> for an at:// URI."""
        actor = creds.extra.get("handle") or uri.removeprefix("at://").split("/", 1)[0]
        return f"{self.urls['web']}/profile/{actor}/post/{rkey_of(uri)}"
