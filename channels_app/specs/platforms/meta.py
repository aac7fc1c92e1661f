"""Meta's platforms (Facebook Pages, Instagram, Threads): what each accepts in a post, each rule
with its source.
"""

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
    AYRSHARE,
    BUFFER_LIMITS,
    CHANNEL_RULES,
    provisional,
    sources,
    verified,
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
