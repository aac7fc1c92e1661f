"""What Facebook Pages accepts in a post, each rule with its source."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.specs.rules import (
    GB,
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
    BUFFER_LIMITS,
    CHANNEL_RULES,
    provisional,
    sources,
)

FACEBOOK = PlatformSpec(
    kind="facebook",
    name="Facebook",
    text=TextRules(limit=63_206, counting="utf16"),
    images=ImageRules(
        formats=("image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"),
        max_bytes=4 * MB,
        recommended_size=(1200, 1500),
    ),
    video=VideoRules(
        formats=MP4_MOV,
        max_bytes=10 * GB,
        min_duration=1,
        max_duration=240 * 60,
        recommended_size=(1080, 1920),
    ),
    media=MediaRules(max_items=10, max_images=10, max_videos=1, can_mix=False, alt_text_max=None),
    features=Features(
        first_comment=True,
        threads=False,
        alt_text=True,
        polls=False,
        link_preview="A link in the text or the link field gets a preview card (without media).",
        dms=True,
        hashtags_habit=_("One or two hashtags, or none; they matter little on Facebook."),
    ),
    sources=sources(
        text__limit=provisional(
            CHANNEL_RULES, "63,206 characters; no official page states it today."
        ),
        text__counting=provisional(
            BUFFER_LIMITS,
            "Meta does not say how it counts; UTF-16 units is the stricter reading.",
        ),
        images__formats=provisional(CHANNEL_RULES),
        images__max_bytes=provisional(CHANNEL_RULES, "sources say 4-10 MB; we keep 4 MB."),
        video=provisional(CHANNEL_RULES, "10 GB / 240 min via resumable upload."),
        media__max_items=provisional(
            CHANNEL_RULES, "multi-photo posts via attached_media; 10 assumed."
        ),
        media__can_mix=provisional(
            CHANNEL_RULES, "attached_media takes photos; a video is its own post."
        ),
        features=provisional(
            CHANNEL_RULES, "comments via POST /{post-id}/comments; alt_text_custom."
        ),
    ),
)
