"""LinkedIn's "little text" format: every reserved character escaped, hashtags as templates.

An unescaped reserved character can make LinkedIn silently cut a post short.
"""

from __future__ import annotations

import re

RESERVED = "\\|{}@[]()<>#*_~"
_HASHTAG_RE = re.compile(r"(?<![\w#])#(\w+)")
_UNESCAPE_RE = re.compile(r"\\(.)")
_TEMPLATE_RE = re.compile(r"\{hashtag\|\\#\|([^}]*)\}")


def escape_little_text(text: str, *, hashtags: bool = True) -> str:
    """`text` in LinkedIn's "little text" format.

    Every reserved character (\\ | { } @ [ ] ( ) < > # * _ ~) is backslash-escaped. With
    `hashtags`, `#word` becomes the hashtag template `{hashtag|\\#|word}` so it stays a hashtag.
    """
    out: list[str] = []
    pos = 0
    for match in _HASHTAG_RE.finditer(text) if hashtags else ():
        out.append(_escape_plain(text[pos : match.start()]))
        out.append(f"{{hashtag|\\#|{_escape_plain(match.group(1))}}}")
        pos = match.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    return "".join(f"\\{ch}" if ch in RESERVED else ch for ch in text)


def unescape_little_text(text: str) -> str:
    """Plain text from "little text" (hashtag templates back to #word, escapes removed)."""
    text = _TEMPLATE_RE.sub(lambda m: "#" + m.group(1), text)
    return _UNESCAPE_RE.sub(lambda m: m.group(1), text)
