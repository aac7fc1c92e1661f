"""How each activity verb reads in the log. Later task areas add their verbs here."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from smm.models import ActivityEvent, Role

VERBS: dict[str, Promise] = {
    "workspace.created": _("created the workspace"),
    "workspace.updated": _("changed the workspace settings"),
    "invitation.created": _("invited %(target)s as %(role)s"),
    "invitation.resent": _("resent the invitation to %(target)s"),
    "invitation.revoked": _("revoked the invitation to %(target)s"),
    "member.joined": _("joined as %(role)s"),
    "member.role_changed": _("changed the role of %(target)s from %(old)s to %(new)s"),
    "member.removed": _("removed %(target)s"),
    "member.left": _("left the workspace"),
    "channel.connected": _("connected the channel %(target)s"),
    "channel.reconnected": _("reconnected the channel %(target)s"),
    "channel.disconnected": _("disconnected the channel %(target)s"),
    "channel.needs_reconnect": _("marked the channel %(target)s as needing a reconnect"),
    "channel.guidelines_updated": _("changed the guidelines of %(target)s"),
    "channel.slot_added": _("added the posting slot %(slot)s to %(target)s"),
    "channel.slot_removed": _("removed the posting slot %(slot)s from %(target)s"),
    "post.created": _("wrote the post %(target)s"),
    "post.updated": _("changed the post %(target)s"),
    "post.deleted": _("deleted the post %(target)s"),
    "post.submitted": _("sent the post %(target)s for approval"),
    "post.approved": _("approved the post %(target)s"),
    "post.changes_requested": _("asked for changes to the post %(target)s"),
    "post.reopened": _("changed the approved post %(target)s, which needs approval again"),
    "post.review_link_created": _("sent the post %(target)s to %(reviewer)s for review"),
    "post.review_link_revoked": _("revoked the review link of %(reviewer)s for %(target)s"),
    "post.scheduled": _("scheduled the post %(target)s"),
    "post.unscheduled": _("took the post %(target)s off the schedule"),
    "post.rescheduled": _("moved the post %(target)s to another time"),
    "tracking_key.created": _("created the tracking key %(target)s"),
    "tracking_key.revoked": _("revoked the tracking key %(target)s"),
    "campaign.created": _("created the campaign %(target)s"),
    "campaign.updated": _("changed the campaign %(target)s"),
    "campaign.archived": _("archived the campaign %(target)s"),
    "campaign.unarchived": _("brought back the campaign %(target)s"),
    "hashtag_group.created": _("added the hashtag group %(target)s"),
    "hashtag_group.updated": _("changed the hashtag group %(target)s"),
    "hashtag_group.deleted": _("deleted the hashtag group %(target)s"),
    "snippet.created": _("added the snippet %(target)s"),
    "snippet.updated": _("changed the snippet %(target)s"),
    "snippet.deleted": _("deleted the snippet %(target)s"),
    "content_settings.updated": _("changed the content settings"),
    "media.uploaded": _("uploaded %(target)s"),
    "media.updated": _("changed the alt text or focal point of %(target)s"),
    "media.deleted": _("deleted the media file %(target)s"),
    "posts.imported": _("imported posts from %(target)s"),
    "post.retried": _("sent the post %(target)s again on %(channel)s"),
    "post.marked_published": _("marked the post %(target)s as published on %(channel)s"),
}

FIELD_LABELS: dict[str, Promise] = {
    "name": _("name"),
    "timezone": _("time zone"),
    "language": _("language"),
}


def _role_label(value: object) -> str:
    try:
        return str(Role(value).label)
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
