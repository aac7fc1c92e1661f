"""The Mastodon adapter: the contract's class, assembled from its parts."""

from __future__ import annotations

from typing import ClassVar

from channels_app.adapters.mastodon.inbox import MastodonInbox


class MastodonAdapter(MastodonInbox):
    """Mastodon adapter. `config` carries the instance's client_id/secret (from `register_app`).

    Its parts: `api` (calls, errors, addresses), `auth` (app registration, connect),
    `publishing`, `reading` (reconcile, metrics) and `inbox` (mentions)."""

    kind = "mastodon"
    # Mastodon answers a repeated Idempotency-Key with the status it already made, for an hour:
    # within this many seconds the engine may safely send a post of unknown outcome again.
    idempotency_window: ClassVar[int] = 50 * 60
    connect_method = "instance_oauth"
    uses_pkce = True
    scopes = (
        "read:accounts",
        "read:statuses",
        "read:notifications",
        "write:statuses",
        "write:media",
    )
    required_scopes = (
        "read:accounts",
        "read:notifications",
        "write:statuses",
        "write:media",
    )
