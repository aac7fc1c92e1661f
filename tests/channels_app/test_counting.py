"""Text counted the way each platform counts it, and the hashtag/mention/link extractors."""

from __future__ import annotations

import pytest

from channels_app.specs import (
    count_text,
    count_units,
    extract_hashtags,
    extract_mentions,
    extract_urls,
    get_spec,
    text_limit_status,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl: 5 code points
THUMBS_TONE = "\U0001f44d\U0001f3fd"  # thumbs up + skin tone: 2 code points, 8 UTF-8 bytes
FLAG = "\U0001f1eb\U0001f1f7"  # regional indicators F R
E_COMBINING = "e\u0301"  # e + combining acute: 2 code points, 1 grapheme
CJK = "日本語のテキスト"  # 8 code points, 24 UTF-8 bytes


@pytest.mark.parametrize(
    ("counting", "text", "expected"),
    [
        ("characters", CJK, 8),
        ("characters", FAMILY, 5),
        ("characters", E_COMBINING, 2),
        ("graphemes", FAMILY, 1),
        ("graphemes", E_COMBINING, 1),
        ("graphemes", FLAG + THUMBS_TONE, 2),
        ("graphemes", CJK, 8),
        ("utf16", FAMILY, 8),  # three astral emoji (2 each) + two ZWJ
        ("utf16", CJK, 8),
        ("utf8_bytes", CJK, 24),
        ("utf8_bytes", FAMILY, 18),
        ("emoji_utf8", "hi " + THUMBS_TONE, 3 + 8),
        ("emoji_utf8", FAMILY, 18),
        ("emoji_utf8", CJK, 8),  # only emoji count as bytes
        ("emoji_utf8", E_COMBINING, 2),
        ("emoji_utf8", "#\ufe0f\u20e3", 7),  # keycap is an emoji
    ],
)
def test_count_units(counting, text, expected):
    assert count_units(text, counting) == expected


def test_unknown_counting_is_refused():
    with pytest.raises(ValueError, match="unknown counting"):
        count_units("a", "words")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 280, 280),
        (CJK, 16),  # CJK weighs 2
        (FAMILY, 2),  # an emoji sequence weighs 2 whatever its length
        (E_COMBINING, 1),  # NFC first: é is one character
        ("https://example.com/" + "a" * 100, 23),  # every URL counts 23
        ("see example.com now", 4 + 23 + 4),  # twitter-text links bare domains too
    ],
)
def test_x_counts_weighted(text, expected):
    assert count_text("x", text) == expected


def test_mastodon_counts_urls_as_23_and_remote_mentions_as_user():
    text = "hi @alice@example.social see https://example.com/" + "p" * 80
    # "hi @alice see " = 14, the URL = 23
    assert count_text("mastodon", text) == 14 + 23


def test_mastodon_counts_graphemes_like_the_server():
    assert count_text("mastodon", FAMILY + E_COMBINING) == 2


def test_mastodon_only_shortens_urls_with_a_scheme():
    assert count_text("mastodon", "www.example.com") == len("www.example.com")


def test_mastodon_local_mention_is_counted_as_written():
    assert count_text("mastodon", "@alice hello") == len("@alice hello")


def test_bluesky_counts_graphemes_and_reports_bytes():
    status = text_limit_status("bluesky", FAMILY * 300)
    assert status.count == 300
    assert status.byte_count == 5400
    assert status.byte_limit == 3000
    assert status.bytes_over
    assert status.over  # over the byte limit although within 300 graphemes


def test_bluesky_url_counts_as_written():
    url = "https://example.com/" + "a" * 50
    assert count_text("bluesky", url) == len(url)


def test_threads_counts_emoji_as_utf8_bytes():
    assert count_text("threads", "ok " + FAMILY) == 3 + 18


@pytest.mark.parametrize("kind", ["linkedin", "facebook", "instagram", "tiktok"])
def test_meta_linkedin_tiktok_count_utf16_units(kind):
    assert count_text(kind, "ok \U0001f600") == 5


def test_youtube_description_counts_bytes():
    assert count_text("youtube", CJK) == 24


def test_count_text_takes_a_spec_or_a_kind():
    assert count_text(get_spec("pinterest"), CJK) == count_text("pinterest", CJK) == 8


def test_unknown_kind_raises_key_error():
    with pytest.raises(KeyError):
        count_text("myspace", "hi")


def test_text_limit_status_over_and_remaining():
    status = text_limit_status("x", "a" * 291)
    assert (status.count, status.limit, status.remaining, status.over) == (291, 280, -11, True)
    fine = text_limit_status("threads", "hello")
    assert (fine.count, fine.remaining, fine.over, fine.byte_count) == (5, 495, False, None)


def test_extract_hashtags():
    text = "#one #2 #two2 https://x.com/#frag #日本 a#b (#café) \uff03wide"
    assert extract_hashtags(text) == ["one", "two2", "日本", "café", "wide"]


def test_extract_mentions():
    text = "@alice @bob@example.social @carol.bsky.social. mail a@b.com @dan_1!"
    assert extract_mentions(text) == ["alice", "bob@example.social", "carol.bsky.social", "dan_1"]


def test_extract_urls_trims_punctuation_and_unbalanced_brackets():
    text = "see (https://example.com/a_(b)) and https://x.com/y. www.facebook.com, http://localhost"
    assert extract_urls(text) == [
        "https://example.com/a_(b)",
        "https://x.com/y",
        "www.facebook.com",
    ]


def test_mentions_inside_urls_are_not_mentions():
    assert extract_mentions("https://mastodon.social/@alice") == []
