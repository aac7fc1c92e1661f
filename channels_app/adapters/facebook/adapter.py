"""The Facebook adapter: the contract's class, assembled from its parts."""

from __future__ import annotations

from channels_app.adapters.facebook.auth import FacebookAuth
from channels_app.adapters.facebook.inbox import FacebookInbox
from channels_app.adapters.facebook.publishing import FacebookPublishing
from channels_app.adapters.facebook.reading import FacebookReading


class FacebookAdapter(FacebookAuth, FacebookPublishing, FacebookReading, FacebookInbox):
    """Facebook Pages. Config option "graph_version" (default meta.DEFAULT_GRAPH_VERSION).

    Its parts: `graph` (clients, URLs), `auth` (connect), `publishing`, `reading` (reconcile,
    metrics) and `inbox` (comments, Messenger)."""

    kind = "facebook"
    connect_method = "oauth"
    uses_pkce = False
    scopes = (
        "pages_show_list",
        "pages_manage_posts",
        "pages_read_engagement",
        "pages_manage_engagement",
        "pages_read_user_engagement",
        "read_insights",
        "pages_messaging",
        "publish_video",
    )
    required_scopes = (
        "pages_show_list",
        "pages_manage_posts",
        "pages_read_engagement",
        "pages_manage_engagement",
    )
