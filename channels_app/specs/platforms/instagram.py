"""What Instagram (professional accounts) accepts in a post, each rule with its source."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.specs.rules import (
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
    AYRSHARE,
    BUFFER_LIMITS,
    CHANNEL_RULES,
    provisional,
    sources,
    verified,
)

IG_ADS_MEDIA = (
    "https://developers.facebook.com/documentation/ads-commerce/instagram/ads-api/"
    "reference/media-requirements"
)
IG_PUBLISH = "https://developers.facebook.com/docs/instagram-platform/content-publishing"

INSTAGRAM = PlatformSpec(
    kind="instagram",
    name="Instagram",
    text=TextRules(
        limit=2200, counting="utf16", max_hashtags=30, max_mentions=20, text_only_allowed=False
    ),
    images=ImageRules(
        formats=("image/jpeg",),
        max_bytes=8 * MB,
        min_width=320,
        max_width=1440,
        min_aspect=0.8,
        max_aspect=1.91,
        recommended_size=(1080, 1350),
    ),
    video=VideoRules(
        formats=MP4_MOV,
        max_bytes=300 * MB,
        min_duration=3,
        max_duration=15 * 60,
        min_aspect=0.01,
        max_aspect=10.0,
        min_fps=23,
        max_fps=60,
        max_width=1920,
        max_height=3600,
        recommended_size=(1080, 1920),
    ),
    media=MediaRules(
        max_items=10, max_images=10, max_videos=10, can_mix=True, carousel_min=2, carousel_max=10
    ),
    features=Features(
        first_comment=True,
        threads=False,
        alt_text=True,
        polls=False,
        link_preview="Links in captions are not clickable; point people to the link in bio.",
        dms=True,
        hashtags_habit=_("3-5 relevant hashtags at the end of the caption."),
    ),
    sources=sources(
        text__limit=verified(IG_ADS_MEDIA, "2,200-character captions (Meta's Instagram ads doc)."),
        text__counting=provisional(
            BUFFER_LIMITS,
            "Meta does not say; UTF-16 units is the stricter reading.",
        ),
        text__max_hashtags=provisional(CHANNEL_RULES, "30 hashtags per caption."),
        text__max_mentions=provisional(CHANNEL_RULES, "20 @mentions per caption."),
        text__text_only_allowed=provisional(
            IG_PUBLISH, "every container needs image_url or video_url."
        ),
        images__formats=provisional(
            IG_PUBLISH,
            "Meta's publishing reference: JPEG only; aggregators that convert list PNG/GIF too.",
        ),
        images__max_bytes=provisional(AYRSHARE + "instagram", "8 MB; read as 8,000,000 bytes."),
        images__aspect=verified(IG_ADS_MEDIA, "4:5 to 1.91:1 (agrees with the publishing spec)."),
        images__width=provisional(AYRSHARE + "instagram", "320-1440 px; larger are scaled down."),
        video=provisional(
            AYRSHARE + "instagram",
            "Reels 3 s-15 min, 23-60 fps, max width 1920; size given as 300 MB and 1 GB in "
            "different versions of the page: we keep 300 MB.",
        ),
        media__max_items=provisional(
            CHANNEL_RULES, "carousel 2-10 in the API docs; the app allows 20. We keep 10."
        ),
        media__can_mix=provisional(CHANNEL_RULES, "carousels take images and videos."),
        features=provisional(
            CHANNEL_RULES, "first comment via POST /{media-id}/comments; alt_text 2025."
        ),
    ),
)
