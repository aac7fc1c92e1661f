"""Bluesky (AT Protocol) adapter: XRPC over HTTP against the account's PDS.

Connecting uses an app password (`login()`): AT Protocol OAuth requires PAR, DPoP-bound tokens
and a publicly reachable client-metadata document, which this suite does not offer yet, so
`authorization_request` / `exchange_code` raise NotSupported.

Every call goes to `Credentials.instance_url` (the account's PDS); the PDS proxies `app.bsky.*`
reads to the AppView and `chat.bsky.*` calls to the chat service (`atproto-proxy` header), so the
adapter works unchanged against Bluesky's reference servers run locally. Video goes through the
video service (`urls["video"]`).

The package's modules follow the adapter's seams: `xrpc` (calls and errors), `session`
(connecting), `facets` (rich text), `media` (blobs, video, embeds), `publishing`, `reading`
(reconciliation, metrics) and `inbox` (notifications, chat, replies); `adapter` assembles the
`BlueskyAdapter` class.
"""

from channels_app.adapters.bluesky.adapter import BlueskyAdapter
from channels_app.adapters.bluesky.xrpc import CHAT_PROXY, POST_COLLECTION

__all__ = ["CHAT_PROXY", "POST_COLLECTION", "BlueskyAdapter"]
