"""Short-post networks (X, Mastodon, Bluesky): what each accepts in a post, each rule with its
source. Mastodon's values are defaults: a server's own limits replace them
(`with_instance_limits`).
"""

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
from channels_app.specs.sources import AYRSHARE, provisional, sources, verified

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


MASTODON_SPEC = "specs/mastodon.openapi.json"

MASTODON = PlatformSpec(
    kind="mastodon",
    name="Mastodon",
    text=TextRules(limit=500, counting="graphemes", url_length=23),
    images=ImageRules(
        formats=(
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/heic",
            "image/heif",
            "image/webp",
            "image/avif",
        ),
        max_bytes=10_485_760,
        max_pixels=16_777_216,
        recommended_size=(1920, 1080),
    ),
    video=VideoRules(
        formats=("video/webm", "video/mp4", "video/quicktime", "video/ogg"),
        max_bytes=41_943_040,
        max_fps=60,
        max_pixels=2_304_000,
        recommended_size=(1280, 720),
    ),
    media=MediaRules(max_items=4, max_images=4, max_videos=1, can_mix=False, alt_text_max=1500),
    features=Features(
        first_comment=True,
        threads=True,
        alt_text=True,
        polls=True,
        link_preview="The server fetches a preview card for the first link.",
        dms=True,
        hashtags_habit=_("A few CamelCase hashtags: they are how people find posts on Mastodon."),
    ),
    sources=sources(
        text__limit=verified(
            MASTODON_SPEC + " Instance example configuration.statuses.max_characters",
            "a default: read the server's GET /api/v2/instance (with_instance_limits).",
        ),
        text__counting=verified(
            "mastodon app/validators/status_length_validator.rb",
            "the server counts grapheme clusters (spoiler_text shares the limit), a URL as "
            "23 and a remote mention as its @user part; the web composer counts code points.",
        ),
        text__url_length=verified(
            MASTODON_SPEC + " configuration.statuses.characters_reserved_per_url"
        ),
        images__formats=verified(MASTODON_SPEC + " Instance example media_attachments"),
        images__max_bytes=verified(
            MASTODON_SPEC + " V1Instance example",
            "examples disagree (v1: 10 MiB / 16,777,216 px; v2: 16 MiB / 33,177,600 px): the "
            "smaller default is kept until the server's own limits are read.",
        ),
        video=verified(
            MASTODON_SPEC + " V1Instance example",
            "v1: 40 MiB / 60 fps / 2,304,000 px; v2: 99 MiB / 120 fps / 8,294,400 px: smaller "
            "kept.",
        ),
        media__max_items=verified(MASTODON_SPEC + " configuration.statuses.max_media_attachments"),
        media__can_mix=provisional(
            "https://docs.joinmastodon.org/methods/statuses/#create",
            "a video or audio attachment must be alone.",
        ),
        media__alt_text_max=verified(
            MASTODON_SPEC + " configuration.media_attachments.description_limit"
        ),
        features=verified(MASTODON_SPEC + " Status in_reply_to_id, poll, visibility=direct"),
    ),
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
