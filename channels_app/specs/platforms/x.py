"""What X accepts in a post, each rule with its source."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels_app.specs.rules import (
    MB,
    MP4_MOV,
    Features,
    FrozenDict,
    ImageRules,
    MediaRules,
    PlatformSpec,
    TextRules,
    VideoRules,
)
from channels_app.specs.sources import (
    AYRSHARE,
    provisional,
    sources,
    verified,
)

X_SPEC = "specs/x-api-v2.openapi.json"
X_MEDIA_DOC = "https://docs.x.com/x-api/media"
X_BEST = "https://docs.x.com/x-api/media/quickstart/best-practices"

X = PlatformSpec(
    kind="x",
    name="X",
    text=TextRules(limit=280, counting="x_weighted", url_length=23),
    images=ImageRules(
        formats=("image/jpeg", "image/png", "image/gif", "image/webp"),
        max_bytes=5 * MB,
        min_width=4,
        min_height=4,
        max_width=8192,
        max_height=8192,
        recommended_size=(1200, 675),
        max_bytes_by_format=FrozenDict({"image/gif": 15 * MB}),
    ),
    video=VideoRules(
        formats=MP4_MOV,
        max_bytes=512 * MB,
        min_duration=0.5,
        max_duration=140,
        min_aspect=1 / 3,
        max_aspect=3.0,
        max_fps=60,
        max_width=1280,
        max_height=1024,
        recommended_size=(1280, 720),
    ),
    media=MediaRules(
        max_items=4,
        max_images=4,
        max_videos=1,
        can_mix=False,
        alt_text_max=1000,
        gif_counts_as_video=True,
    ),
    features=Features(
        first_comment=True,
        threads=True,
        alt_text=True,
        polls=True,
        link_preview="The first link gets a card when the post has no media.",
        dms=True,
        hashtags_habit=_("One or two hashtags at most, inside the sentence."),
    ),
    sources=sources(
        text__limit=provisional(
            "https://docs.x.com/fundamentals/counting-characters",
            "280 weighted; Premium accounts may post up to 25,000 (note_tweet), not assumed.",
        ),
        text__counting=verified("twitter-text v3 config (twitter-text-parser package)"),
        text__url_length=verified("twitter-text v3 config: transformed_url_length 23"),
        images__formats=verified(
            X_SPEC + " #/components/schemas/InitializeMediaUploadRequest media_type",
            "the upload enum also lists bmp/pjpeg/tiff; we keep the four common post formats.",
        ),
        images__max_bytes=verified(X_MEDIA_DOC, "image 5 MB, GIF 15 MB."),
        images__dimensions=provisional(AYRSHARE + "x-twitter", "4x4 to 8192x8192."),
        video=provisional(
            AYRSHARE + "x-twitter",
            "512 MB (verified in " + X_MEDIA_DOC + "); 0.5-140 s, <=60 fps, 1:3-3:1; max "
            "resolution given as 1280x1024 and 1920x1200: we keep 1280x1024.",
        ),
        media__max_items=verified(
            X_SPEC + " #/components/schemas/CreatePostsMedia media_ids maxItems"
        ),
        media__can_mix=verified(X_BEST, "up to 4 photos, 1 animated GIF or 1 video in a Post."),
        media__alt_text_max=verified(
            X_SPEC + " #/components/schemas/CreateMediaMetadataMetadataAltText maxLength"
        ),
        features=verified(X_SPEC + " CreatePostsReply, CreatePostsPoll, /2/dm_conversations"),
    ),
)
