"""Writes of the shared kernel: workspaces, members, invitations, the activity log, API tokens,
the heartbeat. Every function is keyword-only, runs in one transaction and records what it did."""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from smm.mail import email_send
from smm.models import (
    ActivityEvent,
    ApiToken,
    Heartbeat,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
)
from smm.tenancy import can, can_assign_role, can_manage_member

logger = logging.getLogger(__name__)


# Activity log ----------------------------------------------------------------------------------


def activity_record(
    *,
    workspace: Workspace,
    actor: User | None,
    verb: str,
    target: Model | None = None,
    target_label: str = "",
    data: dict | None = None,
) -> ActivityEvent:
    """Append one event to `workspace`'s audit log. `verb` is `<entity>.<what happened>`;
    `data` holds the details a person needs to read the line (old and new values)."""
    return ActivityEvent.objects.create(
        workspace=workspace,
        actor=actor,
        actor_label=actor.email if actor else "",
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label or (str(target) if target is not None else ""),
        data=data or {},
    )


# Workspaces ------------------------------------------------------------------------------------


def _validate_timezone(name: str) -> str:
    if name not in zoneinfo.available_timezones():
        raise ValidationError({"timezone": _("Unknown time zone: %(tz)s") % {"tz": name}})
    return name


def _validate_language(code: str) -> str:
    if code not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unsupported language: %(code)s") % {"code": code}})
    return code


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "workspace"
    slug, n = base, 2
    while Workspace.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def workspace_create(
    *,
    name: str,
    by: User,
    timezone_name: str = settings.SMM_DEFAULT_WORKSPACE_TIMEZONE,
    language: str = "en",
    is_demo: bool = False,
) -> Workspace:
    """Create a workspace with `by` as its owner. Raises ValidationError on a blank name or an
    unknown time zone or language."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the workspace a name.")})
    workspace = Workspace.objects.create(
        name=name,
        slug=_unique_slug(name),
        timezone=_validate_timezone(timezone_name),
        language=_validate_language(language),
        is_demo=is_demo,
    )
    Membership.objects.create(workspace=workspace, user=by, role=Role.OWNER)
    activity_record(workspace=workspace, actor=by, verb="workspace.created", target=workspace)
    return workspace


@transaction.atomic
def workspace_update(
    *,
    workspace: Workspace,
    by: User,
    name: str | None = None,
    timezone_name: str | None = None,
    language: str | None = None,
) -> Workspace:
    """Change a workspace's name, time zone or language; logs each changed value."""
    changes: dict[str, list[str]] = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": _("Give the workspace a name.")})
        if name != workspace.name:
            changes["name"] = [workspace.name, name]
            workspace.name = name
    if timezone_name is not None and timezone_name != workspace.timezone:
        changes["timezone"] = [workspace.timezone, _validate_timezone(timezone_name)]
        workspace.timezone = timezone_name
    if language is not None and language != workspace.language:
        changes["language"] = [workspace.language, _validate_language(language)]
        workspace.language = language
    if changes:
        workspace.save()
        activity_record(
            workspace=workspace, actor=by, verb="workspace.updated", target=workspace, data=changes
        )
    return workspace


@transaction.atomic
def workspace_delete(*, workspace: Workspace, by: User, confirm_name: str) -> None:
    """Delete a workspace and everything in it. The caller must be its owner (checked by the view
    through `workspace.delete`); `confirm_name` must repeat the name exactly."""
    if confirm_name.strip() != workspace.name:
        raise ValidationError(
            {"confirm_name": _("Type the workspace's name exactly to confirm the deletion.")}
        )
    logger.info("workspace %s (%s) deleted by user %s", workspace.pk, workspace.slug, by.pk)
    workspace.delete()


# Members and invitations -----------------------------------------------------------------------


def _lock_workspace(workspace: Workspace) -> None:
    """Serialise membership changes of one workspace (so two owners cannot both leave)."""
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()


def _refuse_if_last_owner(membership: Membership) -> None:
    """Raises ValidationError if `membership` is its workspace's only owner (call under
    `_lock_workspace`, so the count cannot change underneath)."""
    owners = Membership.objects.filter(workspace=membership.workspace, role=Role.OWNER).count()
    if membership.role == Role.OWNER and owners <= 1:
        raise ValidationError(
            _("A workspace needs at least one owner. Make someone else owner first.")
        )


@dataclass(frozen=True)
class InvitationSent:
    invitation: Invitation
    url: str
    email_sent: bool


def invitation_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("smm:invitation_accept", args=[raw_token])


def invitation_create(
    *, workspace: Workspace, email: str, role: str, by: Membership
) -> InvitationSent:
    """Invite `email` to `workspace` with `role` and e-mail them the link.

    Raises ValidationError if the address is already a member or invited, or if `by` may not
    grant `role`. The e-mail is sent after the commit; a failure to send is logged and reported
    in the result (the link can still be shared by hand), never lost.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if not can(by, "members.invite") or not can_assign_role(by, role):
        raise ValidationError(
            {"role": _("You cannot grant the role %(role)s.") % {"role": Role(role).label}}
        )
    with transaction.atomic():
        if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
            raise ValidationError({"email": _("%(email)s is already a member.") % {"email": email}})
        if (
            Invitation.objects.for_workspace(workspace)
            .pending()
            .filter(email__iexact=email)
            .exists()
        ):
            raise ValidationError(
                {
                    "email": _("%(email)s has an open invitation already; resend or revoke it.")
                    % {"email": email}
                }
            )
        # An expired, unanswered invitation for the same address is closed so a new one can open.
        Invitation.objects.for_workspace(workspace).filter(
            email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        raw, token_hash = Invitation.new_token()
        try:
            invitation = Invitation.objects.create(
                workspace=workspace,
                email=email,
                role=role,
                token_hash=token_hash,
                invited_by=by.user,
            )
        except IntegrityError as exc:  # a concurrent invitation for the same address won
            raise ValidationError(
                {"email": _("%(email)s was just invited.") % {"email": email}}
            ) from exc
        activity_record(
            workspace=workspace,
            actor=by.user,
            verb="invitation.created",
            target=invitation,
            target_label=email,
            data={"role": role},
        )
    url = invitation_url(raw)
    return InvitationSent(
        invitation=invitation, url=url, email_sent=_send_invitation(invitation, url)
    )


def _send_invitation(invitation: Invitation, url: str) -> bool:
    """E-mail the invitation link in the workspace's language (after the commit). Returns
    False when sending failed at once; the invitation stands and its link can be shared."""
    return email_send(
        to=[invitation.email],
        subject_template="smm/email/invitation_subject.txt",
        body_template="smm/email/invitation_message.txt",
        context={
            "workspace": invitation.workspace,
            "inviter": invitation.invited_by,
            "role": Role(invitation.role).label,
            "url": url,
            "expires_at": invitation.expires_at,
        },
        language=invitation.workspace.language,
        purpose=f"invitation {invitation.pk}",
    )


def invitation_resend(*, invitation: Invitation, by: Membership) -> InvitationSent:
    """Give a pending or expired invitation a new link and expiry and send it again."""
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("This invitation is closed."))
    if not can_assign_role(by, invitation.role):
        raise ValidationError(
            _("You cannot grant the role %(role)s.") % {"role": Role(invitation.role).label}
        )
    raw, token_hash = Invitation.new_token()
    with transaction.atomic():
        invitation.token_hash = token_hash
        invitation.expires_at = Invitation._meta.get_field("expires_at").get_default()
        invitation.save(update_fields=["token_hash", "expires_at"])
        activity_record(
            workspace=invitation.workspace,
            actor=by.user,
            verb="invitation.resent",
            target=invitation,
            target_label=invitation.email,
        )
    url = invitation_url(raw)
    return InvitationSent(
        invitation=invitation, url=url, email_sent=_send_invitation(invitation, url)
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: Membership) -> None:
    if invitation.accepted_at or invitation.revoked_at:
        return
    if not can_assign_role(by, invitation.role):
        raise ValidationError(_("Only an owner can revoke an invitation to become owner."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    activity_record(
        workspace=invitation.workspace,
        actor=by.user,
        verb="invitation.revoked",
        target=invitation,
        target_label=invitation.email,
    )


def user_has_verified_email(user: User, email: str) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Make `user` a member with the invitation's role.

    Raises ValidationError if the invitation is closed or expired, or if `user` has no verified
    e-mail address equal to the invited one (the link alone is not enough: it may be forwarded).
    A user who is a member already keeps their role.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != "pending":
        raise ValidationError(_("This invitation is no longer valid. Ask for a new one."))
    if not user_has_verified_email(user, invitation.email):
        raise ValidationError(
            _(
                "This invitation was sent to %(email)s. Log in with that address, or add and "
                "verify it under your e-mail settings, then open the link again."
            )
            % {"email": invitation.email}
        )
    membership, created = Membership.objects.get_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if created:
        activity_record(
            workspace=invitation.workspace,
            actor=user,
            verb="member.joined",
            target=membership,
            target_label=user.email,
            data={"role": membership.role},
        )
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: Membership) -> Membership:
    """Give `membership` a new role. Raises ValidationError if `by` may not, or if it would leave
    the workspace without an owner."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    _lock_workspace(membership.workspace)
    membership.refresh_from_db()
    if role == membership.role:
        return membership
    if not (
        can(by, "members.change_role")
        and can_manage_member(by, membership)
        and can_assign_role(by, role)
    ):
        raise ValidationError(_("You cannot give this member that role."))
    _refuse_if_last_owner(membership)
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    activity_record(
        workspace=membership.workspace,
        actor=by.user,
        verb="member.role_changed",
        target=membership,
        target_label=membership.user.email,
        data={"role": [old, role]},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: Membership) -> None:
    """Remove a member (or let `by` leave, when it is their own membership). Raises
    ValidationError if `by` may not, or if the last owner would go."""
    _lock_workspace(membership.workspace)
    leaving = membership.pk == by.pk
    if not leaving and not (can(by, "members.remove") and can_manage_member(by, membership)):
        raise ValidationError(_("You cannot remove this member."))
    _refuse_if_last_owner(membership)
    activity_record(
        workspace=membership.workspace,
        actor=by.user,
        verb="member.left" if leaving else "member.removed",
        target=membership,
        target_label=membership.user.email,
        data={"role": membership.role},
    )
    membership.delete()


@transaction.atomic
def membership_remove_by_staff(*, membership: Membership, by: User) -> None:
    """Remove a member from Django admin. The admin checked that `by` (staff) may manage this
    workspace's members; the workspace's own rule still holds: raises ValidationError if the
    last owner would go. Records "member.removed" with `by` as the actor."""
    _lock_workspace(membership.workspace)
    _refuse_if_last_owner(membership)
    activity_record(
        workspace=membership.workspace,
        actor=by,
        verb="member.removed",
        target=membership,
        target_label=membership.user.email,
        data={"role": membership.role},
    )
    membership.delete()


# Users and API tokens --------------------------------------------------------------------------


@transaction.atomic
def user_update_profile(*, user: User, name: str, language: str) -> User:
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Unsupported language.")})
    user.name = name.strip()
    user.language = language
    user.save(update_fields=["name", "language"])
    return user


@dataclass(frozen=True)
class ApiTokenCreated:
    token: ApiToken
    raw: str  # shown to the user once, never stored


@transaction.atomic
def api_token_create(
    *, user: User, name: str, read_only: bool = False, expires_at: datetime | None = None
) -> ApiTokenCreated:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the token after what will use it.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Pick an expiry date in the future.")})
    raw, prefix, token_hash = ApiToken.new_token()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        lookup_prefix=prefix,
        token_hash=token_hash,
        read_only=read_only,
        expires_at=expires_at,
    )
    return ApiTokenCreated(token=token, raw=raw)


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


# Heartbeat -------------------------------------------------------------------------------------


def heartbeat_record(*, sent_at: datetime | None, worker: str) -> None:
    """Record that a worker ran the heartbeat task that beat sent at `sent_at`."""
    Heartbeat.objects.update_or_create(
        name=Heartbeat.CELERY,
        defaults={"sent_at": sent_at, "received_at": timezone.now(), "worker": worker[:200]},
    )
