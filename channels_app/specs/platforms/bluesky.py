"""What Bluesky accepts in a post, each rule with its source."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.specs.rules import (
    Features,
    ImageRules,
    MediaRules,
    PlatformSpec,
    TextRules,
    VideoRules,
)
from channels_app.specs.sources import (
    sources,
    verified,
)

BSKY = "specs/bluesky-lexicons/app/bsky/"

BLUESKY = PlatformSpec(
    kind="bluesky",
    name="Bluesky",
    text=TextRules(limit=300, counting="graphemes", byte_limit=3000),
    images=ImageRules(
        formats=("image/*",),
        max_bytes=2_000_000,
        recommended_size=(2000, 2000),
    ),
    video=VideoRules(
        formats=("video/mp4",),
        max_bytes=300_000_000,
        max_duration=180,
        recommended_size=(1080, 1920),
    ),
    media=MediaRules(
        max_items=4, max_images=4, max_videos=1, can_mix=False, alt_text_required=True
    ),
    features=Features(
        first_comment=True,
        threads=True,
        alt_text=True,
        polls=False,
        link_preview="No automatic card: the client attaches an external embed for a link.",
        dms=True,
        hashtags_habit=_("One or two hashtags, or none."),
    ),
    sources=sources(
        text__limit=verified(BSKY + "feed/post.json record.text maxGraphemes"),
        text__counting=verified(
            BSKY + "feed/post.json", "maxGraphemes 300 and maxLength 3000 bytes."
        ),
        text__byte_limit=verified(BSKY + "feed/post.json record.text maxLength"),
        images__formats=verified(BSKY + "embed/images.json #image.image accept image/*"),
        images__max_bytes=verified(BSKY + "embed/images.json #image.image maxSize"),
        video=verified(
            BSKY + "embed/video.json",
            "video/mp4 up to 300,000,000 B; the 3-minute duration is provisional.",
        ),
        media__max_items=verified(BSKY + "embed/images.json images maxLength"),
        media__can_mix=verified(BSKY + "feed/post.json embed union: images or video"),
        media__alt_text_required=verified(BSKY + "embed/images.json #image required alt"),
        features=verified(BSKY + "feed/post.json reply; chat.bsky.* for DMs"),
    ),
)
