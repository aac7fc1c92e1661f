"""LinkedIn connect: the consent URL, code exchange, member and organization profiles, refresh.

Refresh tokens are only issued to approved partner apps: without one, `refresh_token` returns the
credentials unchanged while they are valid and raises AuthExpired once they have expired.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

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
from channels_app.adapters.http import as_dict, as_list
from channels_app.adapters.linkedin.rest import LinkedInRest, urn_path


class LinkedInAuth(LinkedInRest):
    """Connecting a member and the organizations they administer."""

    def authorization_request(
        self, *, state: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> AuthorizationRequest:
        """The LinkedIn consent URL for `state` (no PKCE). No network call."""
        return oauth_authorization(
            self.urls["authorize"],
            self.config,
            state=state,
            scope=" ".join(self.requested_scopes()),
            quote_via=quote,
        )

    def _token(self, form: Mapping[str, str]) -> dict[str, Any]:
        resp = http.send(
            self.session,
            "POST",
            self.urls["token"],
            data={
                **form,
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
            },
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        body = http.json_or_empty(resp)
        if resp.status_code in (400, 401) and form.get("grant_type") == "refresh_token":
            message = str(as_dict(body).get("error_description") or "refresh refused")
            raise AuthExpired(f"LinkedIn refused the refresh: {message}", status=resp.status_code)
        self._raise_for_error(resp)
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise TransientError("LinkedIn's token endpoint answered without an access_token")
        return body

    @staticmethod
    def _token_credentials(
        body: Mapping[str, Any], account_id: str, member_urn: str, previous: Credentials | None
    ) -> Credentials:
        now = datetime.now(UTC)
        expires_in = body.get("expires_in")
        refresh_in = body.get("refresh_token_expires_in")
        raw_scope = body.get("scope")
        scopes = (
            tuple(s for s in re.split(r"[\s,]+", raw_scope) if s)
            if isinstance(raw_scope, str)
            else (previous.scopes if previous else ())
        )
        refresh = body.get("refresh_token")
        return Credentials(
            account_id=account_id,
            access_token=str(body["access_token"]),
            refresh_token=refresh
            if isinstance(refresh, str)
            else (previous.refresh_token if previous else None),
            expires_at=now + timedelta(seconds=expires_in) if isinstance(expires_in, int) else None,
            refresh_expires_at=now + timedelta(seconds=refresh_in)
            if isinstance(refresh_in, int)
            else (previous.refresh_expires_at if previous else None),
            scopes=scopes,
            extra={"member_urn": member_urn},
        )

    def exchange_code(
        self, *, code: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> list[ConnectableAccount]:
        """Trade the code for a token; return the member and, when organization scopes were
        granted, every organization the member administers (organizationAcls, role
        ADMINISTRATOR). Raises Rejected (bad/expired code), AuthExpired, RateLimited,
        TransientError. Calls the token endpoint, /v2/userinfo and the organization APIs."""
        body = self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.config.redirect_uri,
            }
        )
        probe = Credentials(account_id="", access_token=str(body["access_token"]))
        info = self._userinfo(probe)
        member_urn = f"urn:li:person:{info['sub']}"
        member_creds = self._token_credentials(body, member_urn, member_urn, None)
        accounts = [
            ConnectableAccount(credentials=member_creds, profile=self._member_profile(info))
        ]
        if set(member_creds.scopes) & {
            "rw_organization_admin",
            "w_organization_social",
            "r_organization_social",
        }:
            for org_urn in self._admin_organizations(member_creds):
                org_creds = self._token_credentials(body, org_urn, member_urn, None)
                accounts.append(
                    ConnectableAccount(
                        credentials=org_creds, profile=self._organization_profile(org_creds)
                    )
                )
        return accounts

    def _userinfo(self, creds: Credentials) -> dict[str, Any]:
        resp = http.send(
            self.session,
            "GET",
            self.urls["userinfo"],
            headers={"Authorization": f"Bearer {creds.access_token}"},
        )
        self._raise_for_error(resp)
        info = http.json_or_empty(resp)
        if not isinstance(info, dict) or not isinstance(info.get("sub"), str):
            raise TransientError("LinkedIn userinfo answered without a subject")
        return info

    def _member_profile(self, info: Mapping[str, Any]) -> AccountProfile:
        name = str(
            info.get("name")
            or " ".join(str(info.get(k) or "") for k in ("given_name", "family_name")).strip()
        )
        return AccountProfile(
            account_id=f"urn:li:person:{info['sub']}",
            handle=name,
            name=name,
            avatar_url=str(info.get("picture") or ""),
            raw=info,
        )

    def _admin_organizations(self, creds: Credentials) -> list[str]:
        urns: list[str] = []
        start = 0
        while True:
            _, body = self._rest(
                creds,
                "GET",
                "/organizationAcls",
                query=f"q=roleAssignee&role=ADMINISTRATOR&state=APPROVED&start={start}&count=100",
            )
            elements = as_list(body.get("elements"))
            for acl in map(as_dict, elements):
                org = acl.get("organization") or acl.get("organizationTarget")
                if (
                    isinstance(org, str)
                    and org.startswith("urn:li:organization:")
                    and org not in urns
                ):
                    urns.append(org)
            total = as_dict(body.get("paging")).get("total")
            start += len(elements)
            if not elements or not isinstance(total, int) or start >= total:
                return urns

    def _organization_profile(self, creds: Credentials) -> AccountProfile:
        org_id = creds.account_id.rsplit(":", 1)[-1]
        _, org = self._rest(creds, "GET", f"/organizations/{org_id}")
        name = str(org.get("localizedName") or org_id)
        vanity = org.get("vanityName")
        logo = ""
        logo_urn = as_dict(org.get("logoV2")).get("original")
        if isinstance(logo_urn, str) and logo_urn.startswith("urn:li:digitalmediaAsset:"):
            image_urn = "urn:li:image:" + logo_urn.rsplit(":", 1)[-1]
            try:
                _, image = self._rest(creds, "GET", f"/images/{urn_path(image_urn)}")
                logo = str(image.get("downloadUrl") or "")
            except Rejected:
                logo = ""  # the logo is decoration: a refusal here must not block connecting
        return AccountProfile(
            account_id=creds.account_id,
            handle=name,
            name=name,
            avatar_url=logo,
            url=f"{self.urls['web']}/company/{vanity}/" if isinstance(vanity, str) else "",
            raw=org,
        )

    def refresh_token(self, creds: Credentials) -> Credentials:
        """New credentials via the refresh_token grant, when LinkedIn issued a refresh token.

        Without one: returns `creds` unchanged while the access token is valid, else raises
        AuthExpired (the member must reconnect). A refused refresh raises AuthExpired."""
        if not creds.refresh_token:
            if creds.expires_at is None or creds.expires_at > datetime.now(UTC):
                return creds
            raise AuthExpired("The LinkedIn token expired and LinkedIn issued no refresh token.")
        body = self._token({"grant_type": "refresh_token", "refresh_token": creds.refresh_token})
        new = self._token_credentials(
            body, creds.account_id, creds.extra.get("member_urn", creds.account_id), creds
        )
        return Credentials(
            account_id=new.account_id,
            access_token=new.access_token,
            refresh_token=new.refresh_token,
            expires_at=new.expires_at,
            refresh_expires_at=new.refresh_expires_at,
            scopes=new.scopes,
            extra={**creds.extra, **new.extra},
        )

    def fetch_profile(self, creds: Credentials) -> AccountProfile:
        """The member (OIDC userinfo) or organization profile behind `creds.account_id`."""
        if creds.account_id.startswith("urn:li:organization:"):
            return self._organization_profile(creds)
        return self._member_profile(self._userinfo(creds))
