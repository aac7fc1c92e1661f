"""The X adapter: the contract's class, assembled from its parts."""

from __future__ import annotations

from channels_app.adapters.x.inbox import XInbox
from channels_app.adapters.x.reading import XReading


class XAdapter(XInbox, XReading):
    """X API v2 adapter (user context, OAuth 2.0 with PKCE, confidential client).

    Its parts: `api` (calls, errors), `auth` (connect), `publishing`, `reading` (reconcile,
    metrics) and `inbox` (mentions, DMs)."""

    kind = "x"
    connect_method = "oauth"
    uses_pkce = True
    scopes = (
        "tweet.read",
        "tweet.write",
        "users.read",
        "media.write",
        "offline.access",
        "dm.read",
        "dm.write",
    )
    required_scopes = (
        "tweet.read",
        "tweet.write",
        "users.read",
        "media.write",
        "offline.access",
    )
