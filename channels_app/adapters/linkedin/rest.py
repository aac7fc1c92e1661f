"""LinkedIn REST plumbing: versioned Rest.li 2.0 calls, the error mapping, scopes, URNs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

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
from channels_app.adapters.http import as_dict, as_list

DEFAULT_API_VERSION = (
    "202605"  # learn.microsoft.com "li-lms-2026-05"; versions sunset after ~1 year
)
MEMBER_SCOPES = ("openid", "profile", "email", "w_member_social")
ORGANIZATION_SCOPES = ("r_organization_social", "w_organization_social", "rw_organization_admin")


def urn_path(urn: str) -> str:
    """A URN as a path segment (Rest.li 2.0: fully URL-encoded)."""
    return quote(urn, safe="")


def epoch_ms(value: Any) -> datetime | None:
    """An aware datetime from LinkedIn's epoch milliseconds; None when absent."""
    return datetime.fromtimestamp(value / 1000, tz=UTC) if isinstance(value, int | float) else None


def seconds_until_utc_midnight(now: datetime | None = None) -> int:
    """Seconds until LinkedIn's daily quotas reset (midnight UTC)."""
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()))


class LinkedInRest(http.HttpAdapter):
    """The REST plumbing shared by the LinkedIn adapter's parts: versioned headers, calls,
    error mapping, scopes, post URLs.

    Options: "api_version" (LinkedIn-Version, default DEFAULT_API_VERSION),
    "organization_scopes" ("1": ask for organization scopes), "video_poll_seconds" and
    "video_max_polls" (video processing polling)."""

    DEFAULT_URLS = {
        "authorize": "https://www.linkedin.com/oauth/v2/authorization",
        "token": "https://www.linkedin.com/oauth/v2/accessToken",
        "userinfo": "https://api.linkedin.com/v2/userinfo",
        "api": "https://api.linkedin.com/rest",
        "web": "https://www.linkedin.com",
    }

    def __init__(self, config: PlatformConfig, session: requests.Session | None = None) -> None:
        super().__init__(config, session)
        self.api_version = config.options.get("api_version", DEFAULT_API_VERSION)
        self.organization_scopes = config.options.get("organization_scopes", "1") == "1"
        self.video_poll_seconds = float(config.options.get("video_poll_seconds", "3"))
        self.video_max_polls = int(config.options.get("video_max_polls", "100"))

    @staticmethod
    def required_scopes_for(account_id: str) -> tuple[str, ...]:
        """What a channel for this author URN needs to publish and read comments."""
        if account_id.startswith("urn:li:organization:"):
            return ("w_organization_social", "r_organization_social")
        return ("w_member_social",)

    def requested_scopes(self) -> tuple[str, ...]:
        """The scopes we ask for (organization scopes only with options organization_scopes=1)."""
        return MEMBER_SCOPES + (ORGANIZATION_SCOPES if self.organization_scopes else ())

    def _raise_for_error(self, resp: requests.Response) -> None:
        if resp.status_code < 400:
            return
        body = as_dict(http.json_or_empty(resp))
        message = str(
            body.get("message") or body.get("error_description") or f"HTTP {resp.status_code}"
        )
        code = body.get("serviceErrorCode") or body.get("code") or body.get("error")
        code_text = str(code) if code is not None else None
        if resp.status_code == 401:
            raise AuthExpired(f"LinkedIn rejected the token: {message}", code=code_text, status=401)
        if resp.status_code == 429:
            retry = (
                http.retry_after_seconds(resp)
                if resp.headers.get("Retry-After")
                else seconds_until_utc_midnight()
            )
            raise RateLimited(
                f"LinkedIn quota reached: {message}", retry_after=retry, code=code_text, status=429
            )
        if resp.status_code >= 500:
            http.raise_for_transport(resp)
        input_codes = {
            str(as_dict(e).get("code"))
            for e in as_list(as_dict(body.get("errorDetails")).get("inputErrors"))
        }
        duplicate = "DUPLICATE_POST" in input_codes or (
            resp.status_code == 422 and "duplicate" in message.lower()
        )
        raise Rejected(
            message,
            duplicate=duplicate,
            code="DUPLICATE_POST" if duplicate else code_text,
            status=resp.status_code,
        )

    def _headers(
        self, creds: Credentials, extra: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {creds.access_token}",
            "LinkedIn-Version": self.api_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        headers.update(extra or {})
        return headers

    def _rest(
        self,
        creds: Credentials,
        method: str,
        path: str,
        *,
        query: str = "",
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        allow_404: bool = False,
    ) -> tuple[requests.Response, dict[str, Any]]:
        """One REST call. `query` is pre-encoded (Rest.li 2.0 needs List(...) unescaped)."""
        url = f"{self.urls['api']}{path}" + (f"?{query}" if query else "")
        resp = http.send(
            self.session, method, url, json=json_body, headers=self._headers(creds, headers)
        )
        if allow_404 and resp.status_code in (404, 410):
            return resp, {}
        self._raise_for_error(resp)
        body = http.json_or_empty(resp) if resp.content else {}
        if not isinstance(body, dict):
            raise TransientError(f"LinkedIn answered {path} with a malformed body")
        return resp, body

    def post_url(self, urn: str) -> str:
        return f"{self.urls['web']}/feed/update/{urn}/"
