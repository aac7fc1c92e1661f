"""Facebook connect: Facebook Login, one connection per Page with its own Page token, the Page's
profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from channels_app.adapters import meta
from channels_app.adapters.base import (
    AccountProfile,
    AuthExpired,
    AuthorizationRequest,
    ConnectableAccount,
    Credentials,
    TransientError,
    oauth_authorization,
)
from channels_app.adapters.facebook.graph import FacebookGraph

PAGE_FIELDS = "id,name,username,link,category,followers_count,fan_count,picture"


class FacebookAuth(FacebookGraph):
    """Connecting Pages and checking their tokens."""

    def authorization_request(
        self, *, state: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> AuthorizationRequest:
        """The Facebook Login dialog URL for `state` (no PKCE). No network call."""
        endpoint = self.urls["authorize"].replace("{version}", self.version)
        return oauth_authorization(endpoint, self.config, state=state, scope=",".join(self.scopes))

    def exchange_code(
        self, *, code: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> list[ConnectableAccount]:
        """Code -> user token -> long-lived user token -> one ConnectableAccount per Page.

        Page tokens from a long-lived user token do not expire (expires_at None); scopes are
        the user's granted permissions. Raises the mapped Graph errors."""
        short = self.graph.get(
            "oauth/access_token",
            None,
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            redirect_uri=self.config.redirect_uri,
            code=code,
        )
        short_token = meta.access_token_of(short)
        long = self.graph.get(
            "oauth/access_token",
            None,
            grant_type="fb_exchange_token",
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            fb_exchange_token=short_token,
        )
        user_token = meta.access_token_of(long)
        granted = tuple(
            str(p.get("permission"))
            for p in meta.data_list(self.graph.get("me/permissions", user_token))
            if p.get("status") == "granted" and p.get("permission")
        )
        accounts: list[ConnectableAccount] = []
        fields = f"{PAGE_FIELDS},access_token"
        for page in self.graph.iter_items("me/accounts", user_token, fields=fields, limit=100):
            token = page.get("access_token")
            page_id = page.get("id")
            if not isinstance(token, str) or not token or not page_id:
                continue
            creds = Credentials(account_id=str(page_id), access_token=token, scopes=granted)
            accounts.append(ConnectableAccount(credentials=creds, profile=self._profile(page)))
        return accounts

    def refresh_token(self, creds: Credentials) -> Credentials:
        """Page tokens have no refresh grant: checks the token with a cheap call and returns
        `creds` unchanged while it works. Raises AuthExpired when Facebook rejects it (the
        channel must reconnect), or the other mapped errors."""
        if creds.expires_at is not None and creds.expires_at <= datetime.now(UTC):
            raise AuthExpired("The Page token has expired; reconnect the Page.")
        self.graph.get("me", creds.access_token, fields="id")
        return creds

    def fetch_profile(self, creds: Credentials) -> AccountProfile:
        """The Page's name, username, link, avatar and followers. Raises the mapped errors."""
        page = self.graph.get(creds.account_id, creds.access_token, fields=PAGE_FIELDS)
        if not isinstance(page, Mapping) or not page.get("id"):
            raise TransientError("The platform answered a malformed Page.")
        return self._profile(page)

    def _profile(self, page: Mapping[str, Any]) -> AccountProfile:
        picture = page.get("picture")
        avatar = ""
        if isinstance(picture, Mapping) and isinstance(picture.get("data"), Mapping):
            avatar = str(picture["data"].get("url") or "")
        followers = page.get("followers_count", page.get("fan_count"))
        name = str(page.get("name") or "")
        page_id = str(page.get("id"))
        return AccountProfile(
            account_id=page_id,
            handle=name or str(page.get("username") or page_id),
            name=name,
            avatar_url=avatar,
            url=str(page.get("link") or f"{self.urls['web']}/{page_id}"),
            followers=followers if isinstance(followers, int) else None,
            raw={k: v for k, v in page.items() if k != "access_token"},
        )
