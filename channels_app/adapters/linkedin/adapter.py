"""The LinkedIn adapter: the contract's class, assembled from its parts."""

from __future__ import annotations

from channels_app.adapters.linkedin.auth import LinkedInAuth
from channels_app.adapters.linkedin.inbox import LinkedInInbox
from channels_app.adapters.linkedin.rest import MEMBER_SCOPES, ORGANIZATION_SCOPES


class LinkedInAdapter(LinkedInAuth, LinkedInInbox):
    """LinkedIn member profiles and organization pages.

    Credentials: account_id = the author URN (urn:li:person:… or urn:li:organization:…);
    extra["member_urn"] = the member who connected; scopes = the granted scopes.

    Its parts: `rest` (calls, errors, scopes), `auth` (connect), `media` and `publishing`,
    `reading` (reconcile, metrics), `inbox` (webcare), `text` (little text)."""

    kind = "linkedin"
    connect_method = "oauth"
    uses_pkce = False
    scopes = MEMBER_SCOPES + ORGANIZATION_SCOPES
    # Member channels need w_member_social; organization channels also the *_organization_social
    # scopes (see `required_scopes_for`).
    required_scopes = ("w_member_social",)
