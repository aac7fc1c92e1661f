"""The channel rules registry's data: one module per platform family, assembled here in a fixed
order: `meta` (Facebook, Instagram, Threads), `microblogs` (X, Mastodon, Bluesky), `visual`
(TikTok, YouTube, Snapchat, Pinterest: media-first) and `linkedin`.

A new platform: its spec in the family it belongs to (or a module of its own, like LinkedIn's),
written like its neighbours, then its entry in PLATFORM_SPECS. The types are in
`channels_app.specs.rules`; import them from `channels_app.specs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from channels_app.specs.platforms.linkedin import LINKEDIN
from channels_app.specs.platforms.meta import FACEBOOK, INSTAGRAM, THREADS
from channels_app.specs.platforms.microblogs import BLUESKY, MASTODON, X
from channels_app.specs.platforms.visual import PINTEREST, SNAPCHAT, TIKTOK, YOUTUBE
from channels_app.specs.rules import PlatformSpec

__all__ = ["PLATFORM_SPECS"]

PLATFORM_SPECS: Mapping[str, PlatformSpec] = MappingProxyType(
    {
        spec.kind: spec
        for spec in (
            FACEBOOK,
            INSTAGRAM,
            X,
            LINKEDIN,
            TIKTOK,
            YOUTUBE,
            SNAPCHAT,
            PINTEREST,
            THREADS,
            MASTODON,
            BLUESKY,
        )
    }
)
