"""How each activity verb reads in the log. The verbs come from the apps' plugins."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from smm import registry
from smm.models import ActivityEvent, Role

# verb -> how it reads. Each app registers its own verbs (its plugin's `activity_verbs`).
VERBS: dict[str, str | Promise] = registry.ACTIVITY_VERBS

FIELD_LABELS: dict[str, Promise] = {
    "name": _("name"),
    "timezone": _("time zone"),
    "language": _("language"),
}


def _role_label(value: object) -> str:
    try:
        return str(Role(str(value)).label)
    except ValueError:
        return str(value)


def describe(event: ActivityEvent) -> str:
    """One sentence (without the actor) saying what `event` did, in the active language."""
    template = VERBS.get(event.verb)
    if template is None:
        return event.verb
    data = event.data or {}
    role = data.get("role")
    old, new = role if isinstance(role, list) and len(role) == 2 else (None, None)
    values = {
        "target": event.target_label,
        "role": _role_label(role) if isinstance(role, str) else "",
        "old": _role_label(old) if old else "",
        "new": _role_label(new) if new else "",
        "slot": str(data.get("slot", "")),
        "reviewer": str(data.get("reviewer", "")),
        "channel": str(data.get("channel", "")),
    }
    return str(template) % values


def changes(event: ActivityEvent) -> list[tuple[str, str, str]]:
    """(field label, old, new) for events that record changed values."""
    if event.verb != "workspace.updated":
        return []
    return [
        (str(FIELD_LABELS.get(field, field)), str(pair[0]), str(pair[1]))
        for field, pair in (event.data or {}).items()
        if isinstance(pair, list) and len(pair) == 2
    ]
