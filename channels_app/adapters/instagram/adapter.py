"""The Instagram adapter: the contract's class, assembled from its parts."""

from __future__ import annotations

from channels_app.adapters.base import Credentials, NotSupported
from channels_app.adapters.instagram.auth import InstagramAuth
from channels_app.adapters.instagram.inbox import InstagramInbox
from channels_app.adapters.instagram.publishing import InstagramPublishing
from channels_app.adapters.instagram.reading import InstagramReading


class InstagramAdapter(InstagramAuth, InstagramPublishing, InstagramReading, InstagramInbox):
    """Instagram (Instagram Login). Options: "graph_version", "poll_interval_seconds",
    "poll_attempts" (container status polling while media is processed).

    Its parts: `graph` (clients), `auth` (connect, token refresh), `publishing` (containers),
    `reading` (reconcile, metrics) and `inbox` (comments, DMs)."""

    kind = "instagram"
    connect_method = "oauth"
    uses_pkce = False
    scopes = (
        "instagram_business_basic",
        "instagram_business_content_publish",
        "instagram_business_manage_comments",
        "instagram_business_manage_messages",
        "instagram_business_manage_insights",
    )
    required_scopes = (
        "instagram_business_basic",
        "instagram_business_content_publish",
        "instagram_business_manage_comments",
    )

    def delete_post(self, creds: Credentials, external_id: str) -> None:
        """Not built yet (comes in a next commit)."""
        raise NotSupported("Ripple cannot delete Instagram posts yet: delete it on Instagram.")
