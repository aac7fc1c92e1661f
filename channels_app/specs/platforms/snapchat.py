"""What Snapchat (Spotlight) accepts in a post, each rule with its source."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.specs.rules import (
    JPEG_PNG,
    MB,
    MP4_MOV,
    Features,
    ImageRules,
    MediaRules,
    PlatformSpec,
    TextRules,
    VideoRules,
)
from channels_app.specs.sources import (
    CHANNEL_RULES,
    provisional,
    sources,
)

SNAPCHAT = PlatformSpec(
    kind="snapchat",
    name="Snapchat",
    text=TextRules(limit=160, counting="utf16", text_only_allowed=False),
    images=ImageRules(
        formats=JPEG_PNG,
        max_bytes=5 * MB,
        min_aspect=9 / 16,
        max_aspect=9 / 16,
        recommended_size=(1080, 1920),
    ),
    video=VideoRules(
        formats=MP4_MOV,
        max_bytes=32 * MB,
        min_duration=5,
        max_duration=60,
        min_aspect=9 / 16,
        max_aspect=9 / 16,
        recommended_size=(1080, 1920),
    ),
    media=MediaRules(max_items=1, max_images=1, max_videos=1, can_mix=False),
    features=Features(
        first_comment=False,
        threads=False,
        alt_text=False,
        polls=False,
        link_preview="No links in Spotlight or Story captions.",
        dms=False,
        hashtags_habit=_("One or two topic hashtags in the Spotlight caption."),
    ),
    sources=sources(
        text__limit=provisional(CHANNEL_RULES, "Spotlight caption about 160 characters."),
        text__counting=provisional(CHANNEL_RULES, "unknown; UTF-16 units assumed (stricter)."),
        images__formats=provisional(CHANNEL_RULES),
        images__max_bytes=provisional(CHANNEL_RULES, "no public posting API; 5 MB assumed."),
        video=provisional(CHANNEL_RULES, "vertical 9:16, 5-60 s; size 32-300 MB: we keep 32 MB."),
        media__max_items=provisional(CHANNEL_RULES, "one Snap per post."),
        media__can_mix=provisional(CHANNEL_RULES),
        features=provisional(
            CHANNEL_RULES, "Creative Kit is share-sheet only; no replies or metrics API."
        ),
    ),
)
