"""Instagram professional accounts through the Instagram API with Instagram Login.

No Facebook Page is needed: the person logs in with Instagram, we get a short-lived Instagram
User token, exchange it for a long-lived one (60 days) and refresh it before it expires. Calls go
to graph.instagram.com. Publishing uses Meta's container flow: Instagram fetches every image and
video from a public URL (`MediaFile.url`), we wait until the container is FINISHED, then publish.

The package's modules follow the adapter's seams: `graph` (the Graph clients), `auth`
(connecting), `publishing`, `reading` (reconciliation, metrics) and `inbox` (comments, direct
messages, replies); `adapter` assembles the `InstagramAdapter` class. What Facebook and
Instagram share (the Graph dialect, the inbox merge) is in `channels_app.adapters.meta`.
"""

from channels_app.adapters.instagram.adapter import InstagramAdapter

__all__ = ["InstagramAdapter"]
