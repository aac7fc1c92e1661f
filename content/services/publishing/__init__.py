"""The publishing engine: every scheduled post target goes out once, on time, and never fails
silently.

States (PostTarget.Status, owned by content.services.state): scheduled -> queued -> publishing
-> published, or failed (the platform's reason), needs_attention (the outcome is unknown, or
the channel needs reconnecting), cancelled. Every transition is a compare-and-set on the
current state, so two workers can never both own a target. The engine's parts:

- `dispatch`: the beat sweep that claims due targets and sends one publish task each.
- `attempt`: one publish of one target (claim, build, one platform call).
- `settle`: what the answer makes of the target (published, later, failed, held, unknown).
- `reconcile`: looking a target of unknown outcome up on its platform.
- `actions`: what a person does with a target (retry, mark published or not, reschedule,
  delete the extra copy of a possible duplicate).
- `lease`: the lease a worker holds on a publishing target, renewed while it works.

This package re-exports their public names for callers outside it (views, API, tasks); the
modules inside import each other directly.
"""

from content.services.publishing.actions import (
    DeleteNotSupported,
    target_delete_duplicate,
    target_mark_not_published,
    target_mark_published,
    target_reschedule,
    target_retry,
)
from content.services.publishing.attempt import (
    MAX_TRANSIENT_ATTEMPTS,
    build_outgoing,
    publish_target,
    record_step,
)
from content.services.publishing.dispatch import (
    DispatchResult,
    dispatch_due_all_workspaces,
    release_channel_holds,
)
from content.services.publishing.reconcile import MAX_LOOKUPS, reconcile_target
from content.services.publishing.settle import HOLD_CHANNEL, HOLD_UNKNOWN, requeue_after

__all__ = [
    "HOLD_CHANNEL",
    "HOLD_UNKNOWN",
    "MAX_LOOKUPS",
    "MAX_TRANSIENT_ATTEMPTS",
    "DeleteNotSupported",
    "DispatchResult",
    "build_outgoing",
    "dispatch_due_all_workspaces",
    "publish_target",
    "reconcile_target",
    "record_step",
    "release_channel_holds",
    "requeue_after",
    "target_delete_duplicate",
    "target_mark_not_published",
    "target_mark_published",
    "target_reschedule",
    "target_retry",
]
