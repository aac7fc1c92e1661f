"""How a rule's source is written down, and the places several platforms' rules were read.

A rule is "verified" when it was read in the platform's own documentation or machine-readable
contract, "provisional" when it comes from a third-party summary or general knowledge (see
`rules.Source`). Places used by one platform only stand in that platform's module.
"""

from __future__ import annotations

from collections.abc import Mapping

from channels_app.specs.rules import FrozenDict, Source

AYRSHARE = "https://www.ayrshare.com/docs/media-guidelines/"
CHANNEL_RULES = "shared/channel-rules.md (general knowledge, unchecked)"
BUFFER_LIMITS = "https://developers.buffer.com/guides/character-limits"


def verified(where: str, note: str = "") -> Source:
    """A rule read in the platform's own documentation or contract (`where`)."""
    return Source(where, confidence="verified", note=note)


def provisional(where: str, note: str = "") -> Source:
    """A rule from a third-party summary or general knowledge, still to be checked."""
    return Source(where, confidence="provisional", note=note)


def sources(**rules: Source) -> Mapping[str, Source]:
    """Rule names use dots; keyword arguments use double underscores (text__limit)."""
    return FrozenDict({name.replace("__", "."): src for name, src in rules.items()})
