"""What LinkedIn (members and organization pages) accepts in a post, each rule with its
source."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.specs.rules import (
    MB,
    Features,
    ImageRules,
    MediaRules,
    PlatformSpec,
    TextRules,
    VideoRules,
)
from channels_app.specs.sources import AYRSHARE, BUFFER_LIMITS, CHANNEL_RULES, provisional, sources

LINKEDIN_POSTS = (
    "https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api"
)
LINKEDIN_IMAGES = (
    "https://learn.microsoft.com/linkedin/marketing/community-management/shares/images-api"
)
LINKEDIN_VIDEOS = (
    "https://learn.microsoft.com/linkedin/marketing/community-management/shares/videos-api"
)

LINKEDIN = PlatformSpec(
    kind="linkedin",
    name="LinkedIn",
    text=TextRules(limit=3000, counting="utf16"),
    images=ImageRules(
        formats=("image/jpeg", "image/png", "image/gif"),
        max_bytes=5 * MB,
        recommended_size=(1200, 627),
        max_pixels=36_152_320,
    ),
    video=VideoRules(
        formats=("video/mp4",),
        max_bytes=500 * MB,
        min_duration=3,
        max_duration=30 * 60,
        min_aspect=1 / 2.4,
        max_aspect=2.4,
        recommended_size=(1920, 1080),
    ),
    media=MediaRules(
        max_items=20, max_images=20, max_videos=1, can_mix=False, carousel_min=2, carousel_max=20
    ),
    features=Features(
        first_comment=True,
        threads=False,
        alt_text=True,
        polls=False,
        link_preview="A link becomes an article card only when the post has no media.",
        dms=False,
        hashtags_habit=_("3-5 relevant hashtags at the end."),
    ),
    sources=sources(
        text__limit=provisional(
            LINKEDIN_POSTS, "3,000 characters (commentary); confirmed by aggregators."
        ),
        text__counting=provisional(
            BUFFER_LIMITS,
            "LinkedIn does not say; UTF-16 units is the stricter reading.",
        ),
        images__formats=provisional(LINKEDIN_IMAGES, "JPG, PNG, GIF (GIF up to 250 frames)."),
        images__max_bytes=provisional(
            AYRSHARE + "linkedin", "5 MB; LinkedIn gives only a pixel cap."
        ),
        images__max_pixels=provisional(
            LINKEDIN_IMAGES, "36,152,320 pixels; also in aggregator docs."
        ),
        video=provisional(LINKEDIN_VIDEOS, "MP4, 3 s-30 min, 75 KB-500 MB, 1:2.4 to 2.4:1."),
        media__max_items=provisional(LINKEDIN_POSTS, "MultiImage 2-20 images."),
        media__can_mix=provisional(LINKEDIN_POSTS, "one content type per post."),
        features=provisional(CHANNEL_RULES, "comments via the Social Actions API; no DM API."),
    ),
)
