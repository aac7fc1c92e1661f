"""Mastodon connect: per-instance app registration, the instance's limits, OAuth 2 with PKCE,
token checks, the account's profile.
"""

from __future__ import annotations

from typing import Any

from channels_app.adapters import http
from channels_app.adapters.base import (
    AccountProfile,
    AuthorizationRequest,
    ConnectableAccount,
    Credentials,
    Rejected,
    TransientError,
    oauth_authorization,
)
from channels_app.adapters.mastodon.api import MastodonApi


class MastodonAuth(MastodonApi):
    """Registering our app on an instance and connecting accounts there."""

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
