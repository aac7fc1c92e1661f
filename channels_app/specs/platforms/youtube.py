"""What YouTube (video uploads) accepts in a post, each rule with its source."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.specs.rules import (
    JPEG_PNG,
    MIB,
    Features,
    ImageRules,
    MediaRules,
    PlatformSpec,
    TextRules,
    VideoRules,
)
from channels_app.specs.sources import (
    provisional,
    sources,
    verified,
)

YOUTUBE_SPEC = "specs/youtube-data-v3.discovery.json"

YOUTUBE = PlatformSpec(
    kind="youtube",
    name="YouTube",
    text=TextRules(
        limit=5000,
        counting="utf8_bytes",
        title_limit=100,
        title_required=True,
        description_limit=5000,
        text_only_allowed=False,
    ),
    images=ImageRules(  # custom thumbnails; a post cannot be an image
        formats=JPEG_PNG,
        max_bytes=2 * MIB,
        min_width=640,
        recommended_size=(1280, 720),
        min_aspect=16 / 9,
        max_aspect=16 / 9,
    ),
    video=VideoRules(
        formats=("video/*",),
        max_bytes=274_877_906_944,
        max_duration=15 * 60,
        recommended_size=(1920, 1080),
    ),
    media=MediaRules(max_items=1, max_images=0, max_videos=1, can_mix=False),
    features=Features(
        first_comment=True,
        threads=False,
        alt_text=False,
        polls=False,
        link_preview="Links in the description are clickable; there is no preview card.",
        dms=False,
        hashtags_habit=_("2-3 hashtags in the description; the first three show above the title."),
    ),
    sources=sources(
        text__limit=provisional(
            "https://developers.google.com/youtube/v3/docs/videos#snippet.description",
            "description 5,000 bytes; the discovery document has no maxLength.",
        ),
        text__counting=provisional("YouTube Data API docs: the description limit is in bytes."),
        text__title_limit=provisional(
            "https://developers.google.com/youtube/v3/docs/videos#snippet.title",
            "100 characters, no < or >.",
        ),
        text__text_only_allowed=verified(YOUTUBE_SPEC + " videos.insert mediaUpload"),
        images__formats=verified(YOUTUBE_SPEC + " thumbnails.set mediaUpload accept"),
        images__max_bytes=provisional(
            "https://developers.google.com/youtube/v3/docs/thumbnails/set",
            "the discovery doc allows 52,428,800 B; the product limit is 2 MB: we keep 2 MB.",
        ),
        video=verified(
            YOUTUBE_SPEC + " videos.insert mediaUpload accept/maxSize",
            "duration 15 min unless the account is verified (then 12 h): provisional.",
        ),
        media__max_items=verified(YOUTUBE_SPEC + " videos.insert takes one media upload"),
        media__can_mix=verified(YOUTUBE_SPEC),
        features=verified(YOUTUBE_SPEC + " commentThreads.insert; no alt text, no DMs"),
    ),
)
