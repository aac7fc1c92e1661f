"""The channel rules registry's data: one module per platform, assembled here in a fixed order.

A new platform: a module beside these (copy a neighbour), then its entry in PLATFORM_SPECS. The
types stay importable from here as they were before the split (`rules` defines them).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from channels_app.specs.platforms.bluesky import BLUESKY
from channels_app.specs.platforms.facebook import FACEBOOK
from channels_app.specs.platforms.instagram import INSTAGRAM
from channels_app.specs.platforms.linkedin import LINKEDIN
from channels_app.specs.platforms.mastodon import MASTODON
from channels_app.specs.platforms.pinterest import PINTEREST
from channels_app.specs.platforms.snapchat import SNAPCHAT
from channels_app.specs.platforms.threads import THREADS
from channels_app.specs.platforms.tiktok import TIKTOK
from channels_app.specs.platforms.x import X
from channels_app.specs.platforms.youtube import YOUTUBE
from channels_app.specs.rules import (
    REQUIRED_SOURCES,
    Counting,
    Features,
    FrozenDict,
    ImageRules,
    MediaRules,
    PlatformSpec,
    Source,
    TextRules,
    VideoRules,
)

__all__ = [
    "PLATFORM_SPECS",
    "REQUIRED_SOURCES",
    "Counting",
    "Features",
    "FrozenDict",
    "ImageRules",
    "MediaRules",
    "PlatformSpec",
    "Source",
    "TextRules",
    "VideoRules",
]

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
