"""X API v2 plumbing: calls with the user token, X's problem bodies mapped onto the adapter
errors, post URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from channels_app.adapters import http
from channels_app.adapters.base import AuthExpired, Credentials, Rejected, TransientError


class XApi(http.HttpAdapter):
    """The calls every part of the X adapter makes."""

    DEFAULT_URLS = {
        "authorize": "https://x.com/i/oauth2/authorize",
        "token": "https://api.x.com/2/oauth2/token",
        "api": "https://api.x.com",
        "web": "https://x.com",
    }

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
