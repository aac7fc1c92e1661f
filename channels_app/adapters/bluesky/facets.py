"""Bluesky rich text: facets (links, mentions, hashtags) with UTF-8 byte offsets."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_LINK_RE = re.compile(r"https?://[^\s<>\"']+")
_MENTION_RE = re.compile(
    r"(?<![\w@])@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z][a-zA-Z0-9-]*)"
)
_TAG_RE = re.compile(r"(?<![\w#&])#(\w+)")  # a tag made only of digits is skipped
_TRAILING_PUNCT = ".,;:!?)]}\"'"


def _byte_slice(text: str, start: int, end: int) -> dict[str, int]:
    return {
        "byteStart": len(text[:start].encode("utf-8")),
        "byteEnd": len(text[:end].encode("utf-8")),
    }


def _facet(text: str, start: int, end: int, feature: dict[str, str]) -> dict[str, Any]:
    return {"index": _byte_slice(text, start, end), "features": [feature]}


def build_facets(text: str, resolve_handle: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Rich-text facets for links, @mentions and #hashtags in `text`, with UTF-8 byte offsets,
    in text order; an earlier kind wins where two overlap (links, then mentions, then tags).

    `resolve_handle(handle)` gives a mention's DID, or None: a handle that does not resolve
    stays plain text. Whatever it raises propagates."""
    facets: list[tuple[int, dict[str, Any]]] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(start: int, end: int, feature: dict[str, str]) -> None:
        taken.append((start, end))
        facets.append((start, _facet(text, start, end, feature)))

    for match in _LINK_RE.finditer(text):
        uri = match.group(0).rstrip(_TRAILING_PUNCT)
        start = match.start()
        add(start, start + len(uri), {"$type": "app.bsky.richtext.facet#link", "uri": uri})
    for match in _MENTION_RE.finditer(text):
        start, end = match.span()
        if not free(start, end):
            continue
        handle = match.group(1).rstrip(".").lower()
        did = resolve_handle(handle)
        if did is not None:
            add(
                start,
                start + 1 + len(handle),
                {"$type": "app.bsky.richtext.facet#mention", "did": did},
            )
    for match in _TAG_RE.finditer(text):
        tag = match.group(1)
        start, end = match.start(), match.start() + 1 + len(tag)
        if tag.isdigit() or len(tag) > 64 or not free(start, end):
            continue
        add(start, end, {"$type": "app.bsky.richtext.facet#tag", "tag": tag})
    return [facet for _, facet in sorted(facets, key=lambda pair: pair[0])]
