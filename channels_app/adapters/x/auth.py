"""X connect: OAuth 2.0 with PKCE (confidential client), token refresh, the account's profile."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from channels_app.adapters import http
from channels_app.adapters.base import (
    AccountProfile,
    AuthExpired,
    AuthorizationRequest,
    ConnectableAccount,
    Credentials,
    Rejected,
    TransientError,
    oauth_authorization,
)
from channels_app.adapters.x.api import XApi

USER_FIELDS = "id,name,username,profile_image_url,public_metrics"


class XAuth(XApi):
    """Connecting an account and keeping its token alive."""

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
