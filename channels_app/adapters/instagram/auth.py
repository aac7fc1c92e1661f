"""Instagram connect: Instagram Login, short- to long-lived tokens (60 days) and their refresh,
the account's profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from channels_app.adapters import http, meta
from channels_app.adapters.base import (
    AccountProfile,
    AuthExpired,
    AuthorizationRequest,
    ConnectableAccount,
    Credentials,
    TransientError,
    oauth_authorization,
)
from channels_app.adapters.instagram.graph import InstagramGraph

PROFILE_FIELDS = (
    "id,user_id,username,name,account_type,profile_picture_url,followers_count,"
    "follows_count,media_count"
)


class InstagramAuth(InstagramGraph):
    """Connecting the account and keeping its token alive."""

    def authorization_request(
        self, *, state: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> AuthorizationRequest:
        """The Instagram authorization window URL for `state` (no PKCE). No network call."""
        return oauth_authorization(
            self.urls["authorize"], self.config, state=state, scope=",".join(self.scopes)
        )

    def exchange_code(
        self, *, code: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> list[ConnectableAccount]:
        """Code -> short-lived token (1 h) -> long-lived token (60 days) -> the one account.

        Raises Rejected (invalid code), AuthExpired, RateLimited, TransientError."""
        resp = http.send(
            self.session,
            "POST",
            self.urls["token"],
            data={
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "grant_type": "authorization_code",
                "redirect_uri": self.config.redirect_uri,
                "code": code,
            },
        )
        body = meta.raise_for_graph(resp)
        # Documented as {"data": [{access_token, user_id, permissions}]}; older answers are flat.
        if isinstance(body, Mapping) and isinstance(body.get("data"), list) and body["data"]:
            body = body["data"][0]
        short = meta.access_token_of(body)
        permissions = body.get("permissions") or ()
        if isinstance(permissions, str):
            permissions = [p.strip() for p in permissions.split(",") if p.strip()]
        long = self.oauth.get(
            "access_token",
            None,
            grant_type="ig_exchange_token",
            client_secret=self.config.client_secret,
            access_token=short,
        )
        token = meta.access_token_of(long)
        me = self.graph.get("me", token, fields=PROFILE_FIELDS)
        profile = self._profile(me)
        creds = Credentials(
            account_id=profile.account_id,
            access_token=token,
            expires_at=meta.expires_at_from(long.get("expires_in")),
            scopes=tuple(str(p) for p in permissions),
            extra=self._extra(me),
        )
        return [ConnectableAccount(credentials=creds, profile=profile)]

    @staticmethod
    def _extra(me: Mapping[str, Any]) -> dict[str, str]:
        extra = {"username": str(me.get("username") or "")}
        if me.get("id"):
            extra["app_scoped_id"] = str(me["id"])
        return extra

    @staticmethod
    def can_renew(creds: Credentials) -> bool:
        """Long-lived Instagram tokens renew themselves (no separate refresh token)."""
        return True

    def refresh_token(self, creds: Credentials) -> Credentials:
        """A new long-lived token (`ig_refresh_token`; the token must be at least 24 hours old
        and unexpired) with its new expiry. Raises AuthExpired when Instagram refuses it."""
        if creds.expires_at is not None and creds.expires_at <= datetime.now(UTC):
            raise AuthExpired("The Instagram token has expired; reconnect the account.")
        body = self.oauth.get(
            "refresh_access_token",
            None,
            grant_type="ig_refresh_token",
            access_token=creds.access_token,
        )
        return Credentials(
            account_id=creds.account_id,
            access_token=meta.access_token_of(body),
            expires_at=meta.expires_at_from(body.get("expires_in")),
            scopes=creds.scopes,
            extra=dict(creds.extra),
        )

    def fetch_profile(self, creds: Credentials) -> AccountProfile:
        """Username, name, picture and followers of the account. Raises the mapped errors."""
        return self._profile(self.graph.get("me", creds.access_token, fields=PROFILE_FIELDS))

    def _profile(self, me: Any) -> AccountProfile:
        if not isinstance(me, Mapping) or not (me.get("user_id") or me.get("id")):
            raise TransientError("The platform answered a malformed profile.")
        username = str(me.get("username") or "")
        followers = me.get("followers_count")
        return AccountProfile(
            account_id=str(me.get("user_id") or me.get("id")),
            handle=f"@{username}" if username else str(me.get("user_id") or me.get("id")),
            name=str(me.get("name") or ""),
            avatar_url=str(me.get("profile_picture_url") or ""),
            url=f"{self.urls['web']}/{username}/" if username else "",
            followers=followers if isinstance(followers, int) else None,
            raw=me,
        )
