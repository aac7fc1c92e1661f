"""Text length the way each platform counts it, and the hashtag/mention/link extractors."""

from __future__ import annotations

from dataclasses import dataclass

import regex
from twitter_text import parse_tweet

from channels_app.specs.platforms import PLATFORM_SPECS
from channels_app.specs.rules import Counting, PlatformSpec

GRAPHEME = regex.compile(r"\X")
# An emoji grapheme: starts with a pictographic or regional-indicator code point, or is a keycap.
EMOJI_CLUSTER = regex.compile(
    r"^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|[0-9#*]\uFE0F?\u20E3)"
)
# URLs with a scheme (what Mastodon and most platforms link), or starting with www.
URL = regex.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'\u3000]+")
URL_TRAILING = ".,;:!?'\"*"
HASHTAG = regex.compile(
    r"(?<![\p{L}\p{N}_&/#])[#\uFF03]((?=[\p{L}\p{M}\p{N}_]*[\p{L}\p{M}_])[\p{L}\p{M}\p{N}_]+)"
)
# @user, @user@host (fediverse), @handle.bsky.social
MENTION = regex.compile(
    r"(?<![\p{L}\p{N}_@/.])@([\p{L}\p{N}_]+(?:[.-][\p{L}\p{N}_]+)*)"
    r"(?:@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+))?"
)


def spec_for(spec_or_kind: PlatformSpec | str) -> PlatformSpec:
    """The spec itself, or the registry's spec for a kind. Raises KeyError for an unknown kind."""
    if isinstance(spec_or_kind, PlatformSpec):
        return spec_or_kind
    return PLATFORM_SPECS[spec_or_kind]


def url_trim(url: str) -> str:
    """`url` as matched by `URL` without the punctuation that ends the sentence around it
    (trailing dots, commas, unmatched closing brackets): how the platforms link it."""
    url = url.rstrip(URL_TRAILING)
    # A closing bracket belongs to the URL only when it opens inside it: "(see https://a.b/c)".
    for opener, closer in ("()", "[]", "{}"):
        while url.endswith(closer) and url.count(closer) > url.count(opener):
            url = url[:-1].rstrip(URL_TRAILING)
    return url


def _url_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in URL.finditer(text):
        url = url_trim(match.group(0))
        if "." in url.split("//", 1)[-1]:
            spans.append((match.start(), match.start() + len(url), url))
    return spans


def extract_urls(text: str) -> list[str]:
    """The links in `text` (with a scheme or starting with www.), in order, as written."""
    return [url for _, _, url in _url_spans(text)]


def extract_hashtags(text: str) -> list[str]:
    """The hashtags in `text` without the '#', in order; '#1' and tags in URLs don't count."""
    masked = _mask_urls(text)
    return [match.group(1) for match in HASHTAG.finditer(masked)]


def extract_mentions(text: str) -> list[str]:
    """The @mentions without the '@': 'alice', 'alice@example.social', 'bob.bsky.social'."""
    masked = _mask_urls(text)
    mentions = []
    for match in MENTION.finditer(masked):
        user, host = match.group(1), match.group(2)
        mentions.append(f"{user}@{host}" if host else user)
    return mentions


def _mask_urls(text: str) -> str:
    """`text` with every URL replaced by spaces of the same length (keeps offsets)."""
    for start, end, _ in reversed(_url_spans(text)):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def count_units(text: str, counting: Counting) -> int:
    """The length of `text` in one counting unit (no URL or mention rewriting)."""
    if counting == "characters":
        return len(text)
    if counting == "graphemes":
        return sum(1 for _ in GRAPHEME.finditer(text))
    if counting == "utf16":
        return len(text.encode("utf-16-le")) // 2
    if counting == "utf8_bytes":
        return len(text.encode("utf-8"))
    if counting == "x_weighted":
        return parse_tweet(text).weightedLength
    if counting == "emoji_utf8":
        total = 0
        for match in GRAPHEME.finditer(text):
            cluster = match.group(0)
            is_emoji = EMOJI_CLUSTER.match(cluster)
            total += len(cluster.encode("utf-8")) if is_emoji else len(cluster)
        return total
    raise ValueError(f"unknown counting {counting!r}")


def _mastodon_countable(text: str, url_length: int) -> str:
    """Mastodon's countable text: a URL becomes `url_length` x's, '@user@host' '@user'."""
    pieces = []
    position = 0
    for start, end, _ in _url_spans(text):
        if not text[start:end].lower().startswith(("http://", "https://")):
            continue  # Mastodon only shortens URLs with a scheme
        pieces.append(_strip_mention_hosts(text[position:start]))
        pieces.append("x" * url_length)
        position = end
    pieces.append(_strip_mention_hosts(text[position:]))
    return "".join(pieces)


def _strip_mention_hosts(text: str) -> str:
    return MENTION.sub(lambda m: "@" + m.group(1), text)


def count_text(spec_or_kind: PlatformSpec | str, text: str) -> int:
    """How many units of the platform's text limit `text` uses.

    X: twitter-text weighting (URLs 23, CJK and emoji 2). Mastodon: URLs count `url_length`
    and a remote mention counts only its @user part, then grapheme clusters. Other platforms
    with a `url_length` count every URL as that many units. Raises KeyError for an unknown kind.
    """
    spec = spec_for(spec_or_kind)
    rules = spec.text
    if rules.counting == "x_weighted":
        return count_units(text, "x_weighted")
    if spec.kind == "mastodon":
        return count_units(_mastodon_countable(text, rules.url_length or 23), rules.counting)
    if rules.url_length is not None:
        spans = _url_spans(text)
        for start, end, _ in reversed(spans):
            text = text[:start] + "x" * rules.url_length + text[end:]
    return count_units(text, rules.counting)


@dataclass(frozen=True)
class TextLimitStatus:
    """A text measured against a platform's limit (for the composer's counter)."""

    count: int
    limit: int
    remaining: int
    over: bool
    byte_count: int | None = None  # where the platform has a second, byte limit
    byte_limit: int | None = None

    @property
    def bytes_over(self) -> bool:
        return self.byte_limit is not None and (self.byte_count or 0) > self.byte_limit


def text_limit_status(spec_or_kind: PlatformSpec | str, text: str) -> TextLimitStatus:
    """Count, limit, remaining (negative when over) and whether `text` is over the limit."""
    spec = spec_for(spec_or_kind)
    count = count_text(spec, text)
    limit = spec.text.limit
    byte_limit = spec.text.byte_limit
    byte_count = len(text.encode("utf-8")) if byte_limit is not None else None
    status = TextLimitStatus(
        count=count,
        limit=limit,
        remaining=limit - count,
        over=count > limit,
        byte_count=byte_count,
        byte_limit=byte_limit,
    )
    if status.bytes_over:
        return TextLimitStatus(
            count, limit, limit - count, True, byte_count=byte_count, byte_limit=byte_limit
        )
    return status
