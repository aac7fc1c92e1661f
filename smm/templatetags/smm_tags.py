from __future__ import annotations

from django import template

from smm import activity
from smm.models import ActivityEvent, Role

register = template.Library()


@register.filter
def role_label(value: str) -> str:
    """The translated name of a role value ("owner" -> "Owner" / "Eigenaar")."""
    return str(Role(value).label) if value in Role.values else value


@register.filter
def activity_text(event: ActivityEvent) -> str:
    return activity.describe(event)


@register.filter
def activity_changes(event: ActivityEvent) -> list[tuple[str, str, str]]:
    return activity.changes(event)
