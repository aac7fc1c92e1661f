"""Mastodon REST plumbing: instance addresses, calls, the error mapping, accounts and the
statuses' HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from channels_app.adapters import http
from channels_app.adapters.base import AccountProfile, AuthExpired, Rejected, TransientError

_HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:\d{1,5})?$"
)
_TAG_RE = re.compile(r"<[^>]+>")
_PARA_RE = re.compile(r"</p>\s*<p[^>]*>", re.IGNORECASE)
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)


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


class MastodonApi(http.HttpAdapter):
    """The calls every part of the Mastodon adapter makes; URLs are formatted per instance."""

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
