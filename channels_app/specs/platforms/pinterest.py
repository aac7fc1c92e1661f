"""What Pinterest (pins) accepts in a post, each rule with its source."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.specs.rules import (
    GB,
    JPEG_PNG,
    MB,
    Features,
    ImageRules,
    MediaRules,
    PlatformSpec,
    TextRules,
    VideoRules,
)
from channels_app.specs.sources import (
    AYRSHARE,
    CHANNEL_RULES,
    provisional,
    sources,
    verified,
)

PINTEREST_SPEC = "specs/pinterest-v5.openapi.json"

PINTEREST = PlatformSpec(
    kind="pinterest",
    name="Pinterest",
    text=TextRules(
        limit=800,
        counting="characters",
        title_limit=100,
        description_limit=800,
        link_max_length=2048,
        text_only_allowed=False,
    ),
    images=ImageRules(
        formats=JPEG_PNG,
        max_bytes=20 * MB,
        recommended_size=(1000, 1500),
    ),
    video=VideoRules(
        formats=("video/mp4", "video/quicktime", "video/x-m4v"),
        max_bytes=1 * GB,
        min_duration=4,
        max_duration=15 * 60,
        min_aspect=0.5,
        max_aspect=1.91,
        recommended_size=(1000, 1500),
    ),
    media=MediaRules(
        max_items=5,
        max_images=5,
        max_videos=1,
        can_mix=False,
        carousel_min=2,
        carousel_max=5,
        alt_text_max=500,
    ),
    features=Features(
        first_comment=False,
        threads=False,
        alt_text=True,
        polls=False,
        link_preview="The pin links to its destination URL (the link field).",
        dms=False,
        hashtags_habit=_("Few or no hashtags; keywords in the title and description work better."),
    ),
    sources=sources(
        text__limit=verified(
            PINTEREST_SPEC + " #/components/schemas/PinCreate description maxLength"
        ),
        text__counting=verified(PINTEREST_SPEC, "JSON Schema maxLength counts code points."),
        text__title_limit=verified(
            PINTEREST_SPEC + " #/components/schemas/PinCreate title maxLength"
        ),
        text__link_max_length=verified(PINTEREST_SPEC + " #/components/schemas/PinCreate link"),
        images__formats=verified(
            PINTEREST_SPEC + " #/components/schemas/ContentType",
            "base64 uploads take JPEG/PNG; URL sources may take more (BMP/TIFF/WebP).",
        ),
        images__max_bytes=provisional(
            AYRSHARE + "pinterest", "20 MB; 2:3 recommended (1000x1500)."
        ),
        video=provisional(
            AYRSHARE + "pinterest",
            "MP4/MOV/M4V, 4 s-15 min, 1:2 to 1.91:1; size given as 1 GB and 2 GB: we keep 1 GB.",
        ),
        media__max_items=verified(
            PINTEREST_SPEC + " #/components/schemas/PinMediaSourceImagesURL items 2-5"
        ),
        media__can_mix=verified(PINTEREST_SPEC + " PinMediaSource is one of image(s) or video_id"),
        media__alt_text_max=verified(PINTEREST_SPEC + " #/components/schemas/PinCreate alt_text"),
        features=provisional(CHANNEL_RULES, "no comment API in v5."),
    ),
)
