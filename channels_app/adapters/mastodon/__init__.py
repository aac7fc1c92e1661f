"""Mastodon: any instance, per-instance app registration, OAuth 2 with PKCE, REST API v1/v2.

Tokens do not expire (Mastodon issues no expires_in and no refresh token): `refresh_token`
verifies the token and returns the credentials unchanged, or raises AuthExpired on 401.
Every URL is `self.urls[name]` formatted with the instance's base URL, so tests and stand-ins
can point any endpoint elsewhere.

The package's modules follow the adapter's seams: `api` (addresses, calls, errors), `auth` (app
registration, connecting), `publishing` (media, statuses), `reading` (reconciliation, metrics)
and `inbox` (mentions, replies); `adapter` assembles the `MastodonAdapter` class.
"""

from channels_app.adapters.mastodon.adapter import MastodonAdapter
from channels_app.adapters.mastodon.api import html_to_text, normalize_instance_url

__all__ = ["MastodonAdapter", "html_to_text", "normalize_instance_url"]
