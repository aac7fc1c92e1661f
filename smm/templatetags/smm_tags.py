from __future__ import annotations

from django import template

from smm import activity
from smm.models import ActivityEvent

register = template.Library()


@register.filter
def activity_text(event: ActivityEvent) -> str:
    return activity.describe(event)


@register.filter
def activity_changes(event: ActivityEvent) -> list[tuple[str, str, str]]:
    return activity.changes(event)
