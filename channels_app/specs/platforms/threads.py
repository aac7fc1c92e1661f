"""What Threads accepts in a post, each rule with its source."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.specs.rules import (
    GB,
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
    provisional,
    sources,
    verified,
)

THREADS_POSTS = "https://developers.facebook.com/documentation/threads/posts"
THREADS_TEXT_ATT = (
    "https://developers.facebook.com/documentation/threads/create-posts/text-attachments"
)

THREADS = PlatformSpec(
    kind="threads",
    name="Threads",
    text=TextRules(limit=500, counting="emoji_utf8", max_hashtags=1, max_links=5),
    images=ImageRules(
        formats=JPEG_PNG,
        max_bytes=8 * MB,
        min_width=320,
        max_width=1440,
        min_aspect=0.1,
        max_aspect=10.0,
        recommended_size=(1080, 1350),
    ),
    video=VideoRules(
        formats=MP4_MOV,
        max_bytes=1 * GB,
        max_duration=300,
        min_aspect=0.01,
        max_aspect=10.0,
        min_fps=23,
        max_fps=60,
        max_width=1920,
        recommended_size=(1080, 1920),
    ),
    media=MediaRules(
        max_items=20,
        max_images=20,
        max_videos=20,
        can_mix=True,
        carousel_min=2,
        carousel_max=20,
        alt_text_max=1000,
    ),
    features=Features(
        first_comment=True,
        threads=True,
        alt_text=True,
        polls=True,
        link_preview="The first link in a text-only post becomes the preview card.",
        dms=False,
        hashtags_habit=_("One topic tag per post."),
    ),
    sources=sources(
        text__limit=verified(THREADS_POSTS, "Text posts are limited to 500 characters."),
        text__counting=verified(
            THREADS_POSTS,
            "Emojis are counted as the number of UTF-8 bytes; other text is counted in code "
            "points (the doc links a grapheme splitter; code points are the stricter reading).",
        ),
        text__max_links=verified(THREADS_TEXT_ATT, "more than 5 links fail: LINK_LIMIT_EXCEEDED."),
        text__max_hashtags=provisional(THREADS_POSTS, "one topic tag per post."),
        images__formats=provisional(THREADS_POSTS + "#media-specifications", "JPEG and PNG."),
        images__max_bytes=provisional(
            THREADS_POSTS + "#media-specifications", "8 MB, width 320-1440, up to 10:1."
        ),
        video=provisional(
            THREADS_POSTS + "#media-specifications",
            "MOV/MP4, 1 GB, 5 min, 23-60 fps, width <=1920, 0.01:1-10:1.",
        ),
        media__max_items=provisional(THREADS_POSTS + "#carousel-posts", "carousel 2-20 items."),
        media__can_mix=provisional(THREADS_POSTS + "#carousel-posts", "images and videos may mix."),
        media__alt_text_max=provisional(THREADS_POSTS, "alt_text up to 1,000 characters."),
        features=provisional(THREADS_POSTS, "reply_to_id; polls (2025); no DMs."),
    ),
)
