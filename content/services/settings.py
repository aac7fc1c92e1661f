"""The workspace's editorial rules (ContentSettings): whether contributors need approval, who
approves, and how long client review links stay valid."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from content.models import ContentSettings
from smm.models import Membership, User, Workspace
from smm.services import activity_record

REVIEW_LINK_DAYS_MIN = 1
REVIEW_LINK_DAYS_MAX = 90


def content_settings_get(*, workspace: Workspace) -> ContentSettings:
    """The settings of `workspace`, made with the defaults (approval required, no named
    approvers, links valid 7 days) the first time they are asked for."""
    content_settings, _created = ContentSettings.objects.get_or_create(workspace=workspace)
    return content_settings


@transaction.atomic
def content_settings_update(
    *,
    workspace: Workspace,
    by: User,
    approval_required: bool,
    approver_ids: Iterable[int],
    review_link_days: int,
) -> ContentSettings:
    """Replace `workspace`'s editorial rules.

    `approver_ids` are Membership ids; every one must be a member of `workspace` (any role),
    else ValidationError on `approvers`. `review_link_days` must be 1 to 90, else
    ValidationError on `review_link_days`. Logs `content_settings.updated` with the changed
    values (approvers as e-mail addresses).
    """
    wanted = {int(pk) for pk in approver_ids}
    approvers = list(
        Membership.objects.for_workspace(workspace)
        .filter(pk__in=wanted)
        .select_related("user")
        .order_by("user__email")
    )
    if len(approvers) != len(wanted):
        raise ValidationError({"approvers": _("Approvers must be members of this workspace.")})
    if not REVIEW_LINK_DAYS_MIN <= int(review_link_days) <= REVIEW_LINK_DAYS_MAX:
        raise ValidationError(
            {
                "review_link_days": _("Pick between %(min)s and %(max)s days.")
                % {"min": REVIEW_LINK_DAYS_MIN, "max": REVIEW_LINK_DAYS_MAX}
            }
        )
    content_settings = content_settings_get(workspace=workspace)
    # Locked so two admins saving at once do not interleave the approver list.
    content_settings = ContentSettings.objects.select_for_update().get(pk=content_settings.pk)
    before_approvers = sorted(
        content_settings.approvers.select_related("user").values_list("user__email", flat=True)
    )
    after_approvers = [m.user.email for m in approvers]
    changes: dict[str, list[object]] = {}
    if content_settings.approval_required != approval_required:
        changes["approval_required"] = [content_settings.approval_required, approval_required]
    if content_settings.review_link_days != int(review_link_days):
        changes["review_link_days"] = [content_settings.review_link_days, int(review_link_days)]
    if before_approvers != after_approvers:
        changes["approvers"] = [before_approvers, after_approvers]
    if not changes:
        return content_settings
    content_settings.approval_required = approval_required
    content_settings.review_link_days = int(review_link_days)
    content_settings.save()
    content_settings.approvers.set(approvers)
    activity_record(
        workspace=workspace,
        actor=by,
        verb="content_settings.updated",
        target=content_settings,
        target_label=str(workspace),
        data=changes,
    )
    return content_settings
