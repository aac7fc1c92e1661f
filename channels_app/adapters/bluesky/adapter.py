"""The Bluesky adapter: the contract's class, assembled from its parts."""

from __future__ import annotations

from channels_app.adapters.bluesky.inbox import BlueskyInbox
from channels_app.adapters.bluesky.session import BlueskySession


class BlueskyAdapter(BlueskySession, BlueskyInbox):
    """Bluesky via XRPC. Credentials: account_id = the DID, instance_url = the PDS,
    access_token/refresh_token = the session's access/refresh JWTs, extra["handle"].

    Its parts: `xrpc` (calls, errors), `session` (connect), `media` and `publishing`,
    `reading` (reconcile, metrics), `inbox` (webcare), `facets` (rich text)."""

    kind = "bluesky"
    connect_method = "app_password"
    uses_pkce = False
    scopes = ()  # app passwords carry no OAuth scopes
    required_scopes = ()
