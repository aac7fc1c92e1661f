"""Who approves a workspace's posts, whether a member's posts need approval, and telling the
approvers. Lower than posts, planning and approval, which all ask it (and never each other in a
circle)."""

from __future__ import annotations

from typing import Any

from content.models import ContentSettings, Post
from smm.models import Membership, Role, User, Workspace
from smm.notifications import notify
from smm.selectors import memberships_at_least


def settings_for(workspace: Workspace) -> ContentSettings:
    """The workspace's editorial rules (created with the defaults on first use)."""
    content_settings, _created = ContentSettings.objects.get_or_create(workspace=workspace)
    return content_settings


def approval_needed(membership: Membership) -> bool:
    """Whether what `membership` writes must be approved before it is scheduled."""
    if membership.has_role(Role.EDITOR):
        return False
    return settings_for(membership.workspace).approval_required


def approvers(workspace: Workspace) -> list[Membership]:
    """The memberships that approve posts of `workspace`: the named approvers (any role), or,
    when none are named, every editor, admin and owner."""
    # Filtered by workspace too: a membership of another workspace never approves here.
    named = list(
        settings_for(workspace)
        .approvers.filter(workspace=workspace, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    if named:
        return named
    return list(
        memberships_at_least(workspace=workspace, role=Role.EDITOR).filter(user__is_active=True)
    )


def can_approve(membership: Membership, post: Post) -> bool:
    """Named approvers (or, when none are named, editors and up) approve; nobody approves their
    own post unless they could have scheduled it anyway."""
    if post.author_id == membership.user_id and not membership.has_role(Role.EDITOR):
        return False
    return any(m.pk == membership.pk for m in approvers(membership.workspace))


def notify_approvers(*, post: Post, actor: User, kind: str, message: Any) -> None:
    """Tell the approvers of `post`'s workspace (in-app and by their notification settings)."""
    notify(
        workspace=post.workspace,
        recipients=[m.user for m in approvers(post.workspace)],
        kind=kind,
        message=message,
        params={"actor": actor.display_name, "post": str(post)},
        url=post.get_absolute_url(),
        actor=actor,
    )
