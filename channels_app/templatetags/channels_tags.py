"""Template helpers of the channels pages: the rules registry in words."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def counting_label(counting: str) -> str:
    labels = {
        "characters": _("characters"),
        "graphemes": _("characters as people see them (an emoji counts once)"),
        "x_weighted": _("weighted characters (emoji and CJK count twice)"),
        "utf16": _("characters (an emoji counts twice)"),
        "utf8_bytes": _("bytes"),
        "emoji_utf8": _("characters (an emoji counts as its bytes)"),
    }
    return labels.get(counting, counting)


@register.filter
def aspect(ratio: float | None) -> str:
    """1.91 -> "1.91:1", 0.8 -> "4:5"-like "0.8:1"."""
    if ratio is None:
        return ""
    return f"{ratio:g}:1"


FORMAT_NAMES = {"quicktime": "MOV", "x-m4v": "M4V", "mp2t": "MPEG-TS", "pjpeg": None}


@register.filter
def mime_names(formats: tuple[str, ...]) -> str:
    """("image/jpeg", "video/quicktime") -> "JPEG, MOV"; "image/*" -> "any image format"."""
    names: list[str] = []
    for mime in formats:
        sub = mime.split("/", 1)[-1]
        if sub == "*":
            return _("any format")
        name = FORMAT_NAMES.get(sub, sub.upper())
        if name and name not in names:
            names.append(name)
    return ", ".join(names)


@register.filter
def megabytes(size: int | None) -> str:
    """Sizes as platforms state them: decimal megabytes (5,000,000 bytes -> "5 MB")."""
    if not size:
        return ""
    if size >= 1_000_000_000:
        return f"{size / 1_000_000_000:.3g} GB"
    if size >= 1_000_000:
        return f"{size / 1_000_000:.3g} MB"
    return f"{size / 1000:.3g} KB"


@register.filter
def ago(when: datetime | None) -> str:
    """ "just now" under a minute, else "5 minutes ago"."""
    if when is None:
        return ""
    if timezone.now() - when < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(when)}


@register.filter
def has_provisional(sources: dict) -> bool:
    return any(getattr(s, "confidence", "") == "provisional" for s in sources.values())
