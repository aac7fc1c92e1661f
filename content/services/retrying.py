"""Use case: a person sends a target that did not go out again, confirming first, when Ripple
could not tell whether the last attempt reached the platform, that the post is not there.

The publishing panel and the publishing API both call this, so neither can retry an unknown
outcome without that confirmation (a double post is worse than a late one).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from content.models import PostTarget
from content.services import publishing
from smm.models import Membership


def target_outcome_unknown(target: PostTarget) -> bool:
    """True if the last attempt of `target` may have reached the platform (it needs attention
    for another reason than its channel)."""
    return (
        target.status == PostTarget.Status.NEEDS_ATTENTION
        and target.hold_reason != publishing.HOLD_CHANNEL
    )


@transaction.atomic
def target_retry_confirmed(
    *, target: PostTarget, membership: Membership, confirmed_not_published: bool
) -> PostTarget:
    """Send a failed or needs-attention `target` again now (publishing.target_retry); when its
    outcome is unknown, only if `confirmed_not_published` (the person checked the platform).

    Raises ValidationError (field `confirm_not_published`) for an unknown outcome without the
    confirmation, or when the target cannot be retried; PermissionDenied if `membership` may
    not publish the post. Side effects: those of publishing.target_retry (the target scheduled
    for now, activity "post.retried").
    """
    current = (
        PostTarget.objects.select_for_update(of=("self",))
        .select_related("channel")
        .get(pk=target.pk)
    )
    if target_outcome_unknown(current) and not confirmed_not_published:
        raise ValidationError(
            {
                "confirm_not_published": _(
                    "Ripple could not tell whether this went out. Check %(platform)s first "
                    "and confirm that the post is not there: retrying may post it twice."
                )
                % {"platform": current.channel.get_platform_display()}
            }
        )
    return publishing.target_retry(target=target, membership=membership)
