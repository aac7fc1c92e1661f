"""What Mastodon accepts in a post, each rule with its source.

These are defaults: a server's own limits replace them (`with_instance_limits`)."""

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
    provisional,
    sources,
    verified,
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
