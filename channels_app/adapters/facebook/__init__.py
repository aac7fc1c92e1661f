"""Facebook Pages through the Graph API (Facebook Login, Page access tokens).

One connection per Page: `exchange_code` turns the login into a long-lived user token and returns
every Page it manages, each with its own Page token (which does not expire when derived from a
long-lived user token). Publishing goes to `/{page-id}/feed`, `/photos` and, on the video host,
`/videos`; the inbox polls comments on recent Page posts and Messenger conversations.

The package's modules follow the adapter's seams: `graph` (the Graph clients), `auth`
(connecting), `publishing`, `reading` (reconciliation, metrics) and `inbox` (comments, direct
messages, replies); `adapter` assembles the `FacebookAdapter` class. What Facebook and
Instagram share (the Graph dialect, the inbox merge) is in `channels_app.adapters.meta`.
"""

from channels_app.adapters.facebook.adapter import FacebookAdapter

__all__ = ["FacebookAdapter"]
