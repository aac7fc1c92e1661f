"""The channel rules registry: complete for every platform, true to the platforms' published
contracts where they exist, Mastodon's per-server limits, and every validation issue code."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from pathlib import Path

import pytest

from channels_app.specs import (
    ISSUE_CODES,
    PLATFORM_SPECS,
    REQUIRED_SOURCES,
    MediaInfo,
    PlatformSpec,
    all_specs,
    get_spec,
    validate_post,
    with_instance_limits,
)
from tests.channels_app.adapters.specfiles import spec_path

KINDS = (
    "facebook",
    "instagram",
    "x",
    "linkedin",
    "tiktok",
    "youtube",
    "snapchat",
    "pinterest",
    "threads",
    "mastodon",
    "bluesky",
)
COUNTINGS = {"characters", "graphemes", "x_weighted", "utf16", "utf8_bytes", "emoji_utf8"}


@functools.cache
def load_json(relative: str) -> dict:
    return json.loads(Path(spec_path(relative)).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- registry completeness


def test_registry_has_exactly_the_eleven_platforms():
    assert set(PLATFORM_SPECS) == set(KINDS)
    assert [spec.kind for spec in all_specs()] == list(PLATFORM_SPECS)


def test_get_spec_unknown_kind_raises():
    with pytest.raises(KeyError):
        get_spec("myspace")


@pytest.mark.parametrize("kind", KINDS)
def test_every_spec_is_complete(kind):
    spec = get_spec(kind)
    assert isinstance(spec, PlatformSpec)
    assert spec.kind == kind
    assert spec.name
    assert spec.text.limit > 0
    assert spec.text.counting in COUNTINGS
    assert spec.text.title_counting in COUNTINGS
    assert spec.images.formats
    assert all("/" in fmt for fmt in spec.images.formats)
    assert spec.images.recommended_size is not None
    if spec.video is not None:
        assert spec.video.formats
        assert all(fmt.startswith("video/") for fmt in spec.video.formats)
    media = spec.media
    assert media.max_items >= 1
    assert media.max_images <= media.max_items
    assert media.max_videos <= media.max_items
    if media.carousel_max is not None:
        assert media.carousel_min is not None
        assert media.carousel_min <= media.carousel_max <= media.max_items
    features = spec.features
    assert features.link_preview
    assert features.hashtags_habit
    for rules in (spec.images, spec.video):
        if rules is not None and rules.min_aspect is not None and rules.max_aspect is not None:
            assert rules.min_aspect <= rules.max_aspect


@pytest.mark.parametrize("kind", KINDS)
def test_every_spec_documents_its_sources(kind):
    spec = get_spec(kind)
    missing = [name for name in REQUIRED_SOURCES if name not in spec.sources]
    assert not missing, f"{kind} has no source for {missing}"
    if spec.video is not None:
        assert "video" in spec.sources
    for name, source in spec.sources.items():
        assert source.where, name
        assert source.confidence in {"verified", "provisional"}, name
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", source.checked), name


def test_specs_are_frozen():
    spec = get_spec("x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.text.limit = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.sources["text.limit"] = None  # type: ignore[index]


def test_media_needed_on_media_first_platforms():
    needs_media = {kind for kind in KINDS if not get_spec(kind).text.text_only_allowed}
    assert needs_media == {"instagram", "tiktok", "youtube", "pinterest", "snapchat"}


def test_separate_title_fields():
    assert get_spec("youtube").text.title_limit == 100
    assert get_spec("youtube").text.title_required
    assert get_spec("pinterest").text.title_limit == 100
    assert get_spec("pinterest").text.description_limit == 800
    assert get_spec("tiktok").text.title_limit == 90
    assert get_spec("tiktok").text.description_limit == 4000


# ---------------------------------------------------------------- against the published contracts


def test_bluesky_text_limits_match_the_lexicon():
    text = load_json("bluesky-lexicons/app/bsky/feed/post.json")["defs"]["main"]["record"][
        "properties"
    ]["text"]
    spec = get_spec("bluesky")
    assert spec.text.limit == text["maxGraphemes"]
    assert spec.text.counting == "graphemes"
    assert spec.text.byte_limit == text["maxLength"]


def test_bluesky_images_match_the_lexicon():
    defs = load_json("bluesky-lexicons/app/bsky/embed/images.json")["defs"]
    spec = get_spec("bluesky")
    assert spec.media.max_images == defs["main"]["properties"]["images"]["maxLength"]
    blob = defs["image"]["properties"]["image"]
    assert spec.images.max_bytes == blob["maxSize"]
    assert tuple(blob["accept"]) == spec.images.formats
    assert "alt" in defs["image"]["required"]
    assert spec.media.alt_text_required


def test_bluesky_video_matches_the_lexicon():
    video = load_json("bluesky-lexicons/app/bsky/embed/video.json")["defs"]["main"]["properties"]
    spec = get_spec("bluesky")
    assert spec.video is not None
    assert spec.video.max_bytes == video["video"]["maxSize"]
    assert spec.video.formats == tuple(video["video"]["accept"])


def test_x_media_limits_match_the_openapi():
    schemas = load_json("x-api-v2.openapi.json")["components"]["schemas"]
    spec = get_spec("x")
    assert (
        spec.media.max_items == schemas["CreatePostsMedia"]["properties"]["media_ids"]["maxItems"]
    )
    alt = schemas["CreateMediaMetadataMetadataAltText"]["properties"]["text"]
    assert spec.media.alt_text_max == alt["maxLength"]
    upload_types = set(schemas["InitializeMediaUploadRequest"]["properties"]["media_type"]["enum"])
    assert set(spec.images.formats) <= upload_types
    assert spec.video is not None
    assert set(spec.video.formats) <= upload_types


def test_pinterest_text_and_carousel_match_the_openapi():
    schemas = load_json("pinterest-v5.openapi.json")["components"]["schemas"]
    pin = schemas["PinCreate"]["properties"]
    spec = get_spec("pinterest")
    assert spec.text.title_limit == pin["title"]["maxLength"]
    assert spec.text.description_limit == pin["description"]["maxLength"]
    assert spec.text.limit == pin["description"]["maxLength"]
    assert spec.text.link_max_length == pin["link"]["maxLength"]
    assert spec.media.alt_text_max == pin["alt_text"]["maxLength"]
    carousel = schemas["PinMediaSourceImagesURL"]["properties"]["items"]
    assert (spec.media.carousel_min, spec.media.carousel_max) == (
        carousel["minItems"],
        carousel["maxItems"],
    )
    assert set(spec.images.formats) == set(schemas["ContentType"]["enum"])


def test_youtube_upload_matches_the_discovery_document():
    methods = load_json("youtube-data-v3.discovery.json")["resources"]
    upload = methods["videos"]["methods"]["insert"]["mediaUpload"]
    spec = get_spec("youtube")
    assert spec.video is not None
    assert spec.video.max_bytes == int(upload["maxSize"])
    assert set(spec.video.formats) <= set(upload["accept"])
    thumbnails = methods["thumbnails"]["methods"]["set"]["mediaUpload"]
    assert set(spec.images.formats) <= set(thumbnails["accept"])
    assert spec.images.max_bytes is not None
    assert spec.images.max_bytes <= int(thumbnails["maxSize"])


def mastodon_examples() -> dict[str, dict]:
    components = load_json("mastodon.openapi.json")["components"]
    return {
        "v2": components["examples"]["Instance200Example"]["value"]["configuration"],
        "v1": components["schemas"]["V1Instance"]["example"]["configuration"],
    }


def test_mastodon_defaults_match_the_instance_examples():
    examples = mastodon_examples()
    v1, v2 = examples["v1"], examples["v2"]
    spec = get_spec("mastodon")
    assert spec.text.limit == v2["statuses"]["max_characters"]
    assert spec.text.url_length == v2["statuses"]["characters_reserved_per_url"]
    assert spec.media.max_items == v2["statuses"]["max_media_attachments"]
    assert spec.media.alt_text_max == v2["media_attachments"]["description_limit"]
    # the examples disagree on sizes: the registry keeps the smaller (v1) default
    assert spec.images.max_bytes == min(
        v1["media_attachments"]["image_size_limit"], v2["media_attachments"]["image_size_limit"]
    )
    assert spec.images.max_pixels == v1["media_attachments"]["image_matrix_limit"]
    assert spec.video is not None
    assert spec.video.max_bytes == v1["media_attachments"]["video_size_limit"]
    assert spec.video.max_fps == v1["media_attachments"]["video_frame_rate_limit"]
    supported = set(v2["media_attachments"]["supported_mime_types"])
    assert set(spec.images.formats) <= supported
    assert set(spec.video.formats) <= supported


def test_with_instance_limits_reads_the_v2_example():
    configuration = mastodon_examples()["v2"]
    spec = with_instance_limits(get_spec("mastodon"), configuration)
    attachments = configuration["media_attachments"]
    assert spec.text.limit == 500
    assert spec.images.max_bytes == attachments["image_size_limit"] == 16_777_216
    assert spec.images.max_pixels == attachments["image_matrix_limit"]
    assert spec.video is not None
    assert spec.video.max_bytes == attachments["video_size_limit"]
    assert spec.video.max_fps == attachments["video_frame_rate_limit"]
    assert spec.video.max_pixels == attachments["video_matrix_limit"]
    assert "image/avif" in spec.images.formats
    assert "audio/mp3" not in spec.images.formats + spec.video.formats
    assert spec.sources["images.max_bytes"].where.startswith("GET /api/v2/instance")


def test_with_instance_limits_custom_server():
    configuration = {
        "statuses": {
            "max_characters": 5000,
            "max_media_attachments": 6,
            "characters_reserved_per_url": 30,
        },
        "media_attachments": {"description_limit": 3000, "supported_mime_types": ["image/png"]},
    }
    spec = with_instance_limits(get_spec("mastodon"), configuration)
    assert spec.text.limit == 5000
    assert spec.text.url_length == 30
    assert (spec.media.max_items, spec.media.max_images) == (6, 6)
    assert spec.media.alt_text_max == 3000
    assert spec.images.formats == ("image/png",)
    assert spec.video is not None
    assert spec.video.formats == get_spec("mastodon").video.formats  # none listed: kept
    assert get_spec("mastodon").text.limit == 500  # the registry is untouched


@pytest.mark.parametrize(
    "configuration",
    [
        None,
        "nonsense",
        {},
        {"statuses": None, "media_attachments": []},
        {"statuses": {"max_characters": "500", "max_media_attachments": True}},
        {"statuses": {"max_characters": -1}, "media_attachments": {"description_limit": None}},
        {"media_attachments": {"supported_mime_types": "image/png", "image_size_limit": 0}},
    ],
)
def test_with_instance_limits_is_robust_to_missing_or_odd_values(configuration):
    default = get_spec("mastodon")
    spec = with_instance_limits(default, configuration)
    assert spec.text == default.text
    assert spec.images == default.images
    assert spec.media == default.media
    assert spec.video == default.video


def test_instance_url_length_changes_the_count():
    from channels_app.specs import count_text

    spec = with_instance_limits(
        get_spec("mastodon"), {"statuses": {"characters_reserved_per_url": 10}}
    )
    assert count_text(spec, "https://example.com/" + "a" * 40) == 10


# ---------------------------------------------------------------- validation


def jpeg(size=500_000, width=1080, height=1350, alt="A photo"):
    return MediaInfo("image/jpeg", size, width, height, None, alt_text=alt)


def mp4(size=5_000_000, width=1080, height=1920, duration=30.0, fps=30.0):
    return MediaInfo("video/mp4", size, width, height, duration, fps=fps)


def codes(issues):
    return [issue.code for issue in issues]


def no_video(kind):
    return dataclasses.replace(get_spec(kind), video=None)


CASES = [
    # (code, spec, kwargs, expected message or None)
    ("media_required", "instagram", {"text": "hi"}, "Instagram needs an image or a video."),
    ("text_empty", "x", {"text": "  "}, "The post has no text and no media."),
    ("text_too_long", "x", {"text": "a" * 291}, "X counts 291 of 280 characters."),
    ("text_too_long", "youtube", {"text": "é" * 2501, "title": "t", "media": [mp4()]}, None),
    (
        "text_too_many_bytes",
        "bluesky",
        {"text": "\U0001f468\u200d\U0001f469\u200d\U0001f467" * 200},
        "The text takes 3600 bytes; Bluesky accepts at most 3000.",
    ),
    (
        "too_many_hashtags",
        "threads",
        {"text": "#one #two"},
        "Threads accepts at most 1 hashtag; the text has 2.",
    ),
    (
        "too_many_mentions",
        "instagram",
        {"text": " ".join(f"@u{i}" for i in range(21)), "media": [jpeg()]},
        "Instagram accepts at most 20 mentions; the text has 21.",
    ),
    (
        "too_many_links",
        "threads",
        {"text": " ".join(f"https://e{i}.com" for i in range(6))},
        "Threads accepts at most 5 links; the text has 6.",
    ),
    ("title_required", "youtube", {"text": "", "media": [mp4()]}, "YouTube needs a title."),
    (
        "title_too_long",
        "pinterest",
        {"text": "", "title": "t" * 101, "media": [jpeg()]},
        "The title has 101 characters; Pinterest takes at most 100.",
    ),
    (
        "link_too_long",
        "pinterest",
        {"text": "", "link": "https://e.com/" + "a" * 2040, "media": [jpeg()]},
        "The link has 2054 characters; Pinterest accepts at most 2048.",
    ),
    (
        "images_not_supported",
        "youtube",
        {"text": "", "title": "t", "media": [jpeg()]},
        "YouTube doesn't take images.",
    ),
    (
        "too_many_images",
        "x",
        {"text": "", "media": [jpeg(width=1200, height=675)] * 5},
        "X accepts at most 4 images per post; this one has 5.",
    ),
    ("video_not_supported", no_video("x"), {"text": "", "media": [mp4()]}, None),
    (
        "too_many_videos",
        "x",
        {"text": "", "media": [mp4(width=720, height=1280)] * 2},
        "X accepts at most 1 video per post; this one has 2.",
    ),
    (
        "too_many_media",
        "instagram",
        {"text": "", "media": [jpeg()] * 6 + [mp4(width=1080, height=1920)] * 5},
        "Instagram accepts at most 10 files per post; this one has 11.",
    ),
    (
        "media_mix_not_allowed",
        "mastodon",
        {"text": "", "media": [jpeg(), mp4(width=720, height=1280)]},
        "Mastodon doesn't mix images and videos in one post.",
    ),
    (
        "unsupported_media_type",
        "instagram",
        {"text": "", "media": [MediaInfo("image/png", 1000, 1080, 1080, None)]},
        "Instagram doesn't accept image/png files.",
    ),
    (
        "image_too_large",
        "instagram",
        {"text": "", "media": [jpeg(size=12_000_000)]},
        "This image is 12.0 MB; Instagram accepts at most 8 MB.",
    ),
    (
        "image_too_small",
        "instagram",
        {"text": "", "media": [jpeg(width=300, height=300)]},
        "This file is 300 pixels wide; Instagram needs at least 320.",
    ),
    (
        "image_dimensions_too_large",
        "threads",
        {"text": "", "media": [jpeg(width=2000, height=2000)]},
        "This file is 2000 pixels wide; Threads accepts at most 1440.",
    ),
    (
        "image_too_many_pixels",
        "linkedin",
        {"text": "", "media": [jpeg(width=8000, height=6000)]},
        "This file has 48000000 pixels; LinkedIn accepts at most 36152320.",
    ),
    (
        "image_aspect_ratio",
        "instagram",
        {"text": "", "media": [jpeg(width=1080, height=1920)]},
        "The aspect ratio 0.56:1 is outside what Instagram accepts (0.8:1 to 1.91:1).",
    ),
    (
        "video_too_large",
        "bluesky",
        {"text": "", "media": [mp4(size=400_000_000)]},
        "This video is 400.0 MB; Bluesky accepts at most 300 MB.",
    ),
    (
        "video_too_small",
        "tiktok",
        {"text": "", "media": [mp4(width=320, height=640)]},
        "This file is 320 pixels wide; TikTok needs at least 360.",
    ),
    (
        "video_dimensions_too_large",
        "x",
        {"text": "", "media": [mp4(width=1920, height=1080)]},
        "This file is 1920 pixels wide; X accepts at most 1280.",
    ),
    (
        "video_too_many_pixels",
        "mastodon",
        {"text": "", "media": [mp4(width=3840, height=2160)]},
        "This file has 8294400 pixels; Mastodon accepts at most 2304000.",
    ),
    (
        "video_aspect_ratio",
        "linkedin",
        {"text": "", "media": [mp4(width=3000, height=1000)]},
        "The aspect ratio 3:1 is outside what LinkedIn accepts (0.42:1 to 2.4:1).",
    ),
    (
        "video_too_long",
        "x",
        {"text": "", "media": [mp4(width=1280, height=720, duration=200)]},
        "This video lasts 200 seconds; X accepts at most 140.",
    ),
    (
        "video_too_short",
        "tiktok",
        {"text": "", "media": [mp4(duration=2)]},
        "This video lasts 2 seconds; TikTok needs at least 3.",
    ),
    (
        "video_frame_rate",
        "instagram",
        {"text": "", "media": [mp4(fps=120)]},
        "This video runs at 120 frames a second; Instagram accepts 23 to 60.",
    ),
    (
        "alt_text_missing",
        "bluesky",
        {"text": "", "media": [jpeg(alt="")]},
        "Add alt text: Bluesky shows it to people who can't see the image.",
    ),
    (
        "alt_text_too_long",
        "x",
        {"text": "", "media": [jpeg(width=1200, height=675, alt="a" * 1001)]},
        "The alt text has 1001 characters; X accepts at most 1000.",
    ),
]


def test_every_issue_code_has_a_case():
    assert {case[0] for case in CASES} == set(ISSUE_CODES)


@pytest.mark.parametrize(
    ("code", "spec", "kwargs", "message"),
    CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)],
)
def test_validation_issue(code, spec, kwargs, message):
    spec = get_spec(spec) if isinstance(spec, str) else spec
    issues = validate_post(spec, **kwargs)
    matching = [issue for issue in issues if issue.code == code]
    assert matching, f"expected {code}, got {codes(issues)}"
    assert set(codes(issues)) <= ISSUE_CODES
    issue = matching[0]
    assert issue.severity == ("warning" if code == "alt_text_missing" else "error")
    if message is not None:
        assert str(issue.message) == message
    assert issue.field in {"text", "title", "link", "media"} or issue.field.startswith("media[")


def test_valid_posts_have_no_issues():
    assert validate_post(get_spec("x"), text="Hello #world https://example.com") == []
    assert validate_post(get_spec("instagram"), text="Caption", media=[jpeg()]) == []
    carousel = [jpeg(), mp4(width=1080, height=1920, duration=20)]
    assert validate_post(get_spec("threads"), text="Two", media=carousel) == []
    pin = {"title": "Pin", "link": "https://example.com", "media": [jpeg(width=1000, height=1500)]}
    assert validate_post(get_spec("pinterest"), text="A pin", **pin) == []
    assert validate_post(get_spec("youtube"), text="Desc", title="T", media=[mp4()]) == []
    assert validate_post(get_spec("bluesky"), text="Hi", media=[jpeg(width=1200, height=800)]) == []


def test_x_gif_is_a_video_slot_with_its_own_size_limit():
    gif = MediaInfo("image/gif", 12_000_000, 480, 270, None, alt_text="loop")
    assert validate_post(get_spec("x"), text="", media=[gif]) == []
    issues = validate_post(get_spec("x"), text="", media=[gif, jpeg(width=1200, height=675)])
    assert "media_mix_not_allowed" in codes(issues)
    big_gif = dataclasses.replace(gif, size=16_000_000)
    assert "image_too_large" in codes(validate_post(get_spec("x"), text="", media=[big_gif]))


def test_instagram_landscape_limit_has_a_tolerance():
    # 1080x566 is Instagram's own "1.91:1" example (1.908)
    media = [jpeg(width=1080, height=566)]
    assert validate_post(get_spec("instagram"), text="", media=media) == []


def test_messages_are_lazy_and_params_are_plain():
    (issue,) = validate_post(get_spec("x"), text="a" * 300)
    assert not isinstance(issue.message, str)  # a lazy translation, rendered on str()
    assert issue.params["count"] == 300
    assert issue.params["limit"] == 280


@pytest.mark.parametrize("kind", KINDS)
def test_specs_serialise_to_json(kind):
    # the platforms API renders dataclasses.asdict(spec), lazy translations as text
    from channels_app.api import spec_as_json

    data = json.loads(json.dumps(spec_as_json(kind)))
    assert isinstance(data["features"]["hashtags_habit"], str)
    assert data["kind"] == kind
    assert data["sources"]["text.limit"]["confidence"] in {"verified", "provisional"}
    tuned = with_instance_limits(get_spec("mastodon"), {"statuses": {"max_characters": 9}})
    assert dataclasses.asdict(tuned)["text"]["limit"] == 9
