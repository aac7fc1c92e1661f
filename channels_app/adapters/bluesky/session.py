"""Bluesky sessions: app-password sign-in (createSession), refresh (refreshSession), the
profile. AT Protocol OAuth is not offered yet (see `authorization_request`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from channels_app.adapters.base import (
    AccountProfile,
    AuthExpired,
    AuthorizationRequest,
    ConnectableAccount,
    Credentials,
    NotSupported,
    Rejected,
)
from channels_app.adapters.bluesky.xrpc import BlueskyXrpc

# Why `authorization_request` / `exchange_code` are not offered.
_NO_OAUTH = (
    "Bluesky connects with an app password for now: AT Protocol OAuth needs PAR, "
    "DPoP-bound tokens and a public client-metadata URL, which are not implemented yet."
)


def _jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, read without verifying it (the PDS verifies; we only schedule and
    display); {} when it is not a readable JWT."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a JWT as an aware datetime, when it has one."""
    exp = _jwt_claims(token).get("exp")
    return datetime.fromtimestamp(exp, tz=UTC) if isinstance(exp, int | float) else None


def _jwt_scope(token: str) -> str:
    scope = _jwt_claims(token).get("scope")
    return scope if isinstance(scope, str) else ""


def _pds_from_did_doc(did_doc: Any) -> str | None:
    """The `#atproto_pds` service endpoint of a DID document, when present."""
    if not isinstance(did_doc, dict):
        return None
    for service in did_doc.get("service") or []:
        if not isinstance(service, dict):
            continue
        if str(service.get("id", "")).endswith("#atproto_pds"):
            endpoint = service.get("serviceEndpoint")
            if isinstance(endpoint, str) and endpoint.startswith(("https://", "http://")):
                return endpoint.rstrip("/")
    return None


class BlueskySession(BlueskyXrpc):
    """Connecting: app-password sign-in, session refresh, the profile."""

    def authorization_request(
        self, *, state: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> AuthorizationRequest:
        """Not available: raises NotSupported (connect with `login()` and an app password)."""
        raise NotSupported(_NO_OAUTH)

    def exchange_code(
        self, *, code: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> list[ConnectableAccount]:
        """Not available: raises NotSupported (see `authorization_request`)."""
        raise NotSupported(_NO_OAUTH)

    def login(
        self, identifier: str, password: str, *, service_url: str | None = None
    ) -> ConnectableAccount:
        """Open a session with a handle (or email/DID) and an app password.

        `service_url` is where to log in (default `urls["service"]`, https://bsky.social). The
        account's own PDS is then taken from the session's DID document (`#atproto_pds`) and
        stored as `Credentials.instance_url`. A profile the AppView does not know yet (a new
        account) is replaced by the session's handle. Raises Rejected for a wrong
        identifier/password or
        when the account asks for an email 2FA code (use an app password instead), RateLimited,
        TransientError. Makes com.atproto.server.createSession and app.bsky.actor.getProfile.
        """
        base = (service_url or self.urls["service"]).rstrip("/")
        resp, body = self._xrpc(
            "POST",
            base,
            "com.atproto.server.createSession",
            token=None,
            json_body={"identifier": identifier, "password": password},
            raise_errors=False,
        )
        if resp.status_code in (400, 401):
            error = str(body.get("error") or "")
            if error == "AuthFactorTokenRequired":
                raise Rejected(
                    "This account asks for an email sign-in code: create an app password in "
                    "Bluesky (Settings > Privacy and security > App passwords) and use that.",
                    code=error,
                    status=resp.status_code,
                )
            message = str(body.get("message") or "Invalid identifier or password")
            raise Rejected(
                f"Bluesky refused the sign-in: {message}",
                code=error or None,
                status=resp.status_code,
            )
        self._raise_for_error(resp)
        creds = self._session_credentials(body, fallback_pds=base)
        try:
            profile = self.fetch_profile(creds)
        except Rejected:
            # "Profile not found": the AppView has not indexed a brand-new account yet (seen
            # against Bluesky's reference servers). The session is valid: connect with what the
            # session says; the profile refresh fills in the rest later.
            handle = creds.extra["handle"]
            profile = AccountProfile(
                account_id=creds.account_id,
                handle=handle,
                url=f"{self.urls['web']}/profile/{handle}",
            )
        return ConnectableAccount(credentials=creds, profile=profile)

    def _session_credentials(
        self, body: Mapping[str, Any], *, fallback_pds: str, scopes: tuple[str, ...] = ()
    ) -> Credentials:
        self._require(body, "accessJwt", "refreshJwt", "did", "handle")
        access, refresh = str(body["accessJwt"]), str(body["refreshJwt"])
        scope = _jwt_scope(access)
        return Credentials(
            account_id=str(body["did"]),
            access_token=access,
            refresh_token=refresh,
            expires_at=_jwt_expiry(access),
            refresh_expires_at=_jwt_expiry(refresh),
            instance_url=_pds_from_did_doc(body.get("didDoc")) or fallback_pds,
            scopes=(scope,) if scope else scopes,
            extra={"handle": str(body["handle"])},
        )

    def refresh_token(self, creds: Credentials) -> Credentials:
        """Rotate both JWTs with com.atproto.server.refreshSession (Bearer refreshJwt).

        Returns new Credentials. Raises AuthExpired when there is no refresh JWT or the PDS
        refuses it (expired, revoked app password), RateLimited, TransientError."""
        if not creds.refresh_token:
            raise AuthExpired("No Bluesky refresh token stored: sign in again.")
        base = creds.instance_url or self.urls["service"]
        resp, body = self._xrpc(
            "POST",
            base,
            "com.atproto.server.refreshSession",
            token=creds.refresh_token,
            raise_errors=False,
        )
        if resp.status_code in (400, 401):
            message = str(body.get("message") or body.get("error") or "refresh refused")
            raise AuthExpired(
                f"Bluesky refused the refresh: {message}",
                code=str(body.get("error") or "") or None,
                status=resp.status_code,
            )
        self._raise_for_error(resp)
        return self._session_credentials(body, fallback_pds=base, scopes=creds.scopes)

    def fetch_profile(self, creds: Credentials) -> AccountProfile:
        """The account's profile (app.bsky.actor.getProfile). Raises the usual adapter errors."""
        body = self._call(
            creds, "GET", "app.bsky.actor.getProfile", params={"actor": creds.account_id}
        )
        self._require(body, "did", "handle")
        handle = str(body["handle"])
        return AccountProfile(
            account_id=str(body["did"]),
            handle=handle,
            name=str(body.get("displayName") or ""),
            avatar_url=str(body.get("avatar") or ""),
            url=f"{self.urls['web']}/profile/{handle}",
            followers=body.get("followersCount")
            if isinstance(body.get("followersCount"), int)
            else None,
            raw=body,
        )
