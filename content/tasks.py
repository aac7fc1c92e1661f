"""Celery entry points of the content area: ids in, one service call.

Tasks call services, never the reverse: services start background work by the names
registered here (content.services.enqueue), so this module imports services at the top.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task

from content.services import state
from content.services.imports import running as imports
from content.services.publishing import attempt, dispatch, reconcile

log = logging.getLogger(__name__)


@shared_task(name="content.import_batch_run", ignore_result=True)
def import_batch_run(batch_id: int) -> None:
    """Import (or resume) one CSV batch that is too large for a web request."""
    imports.import_batch_run(batch_id=batch_id)


@shared_task(name="content.imports_resume_stalled", ignore_result=True)
def imports_resume_stalled() -> None:
    """Beat: re-start background imports whose worker died."""
    imports.import_batches_resume_stalled()


@shared_task(name="content.dispatch_due", ignore_result=True)
def dispatch_due() -> None:
    """Beat, every few seconds: claim due post targets and send one publish task each."""
    dispatch.dispatch_due_all_workspaces()


# Acknowledged after it ran (acks_late, the default here) and sent back to the queue if its worker
# process dies (task_reject_on_worker_lost): a message is never lost with a killed worker. That is
# safe because the task claims its target from "queued" first: run again for a target that was
# claimed (or settled) meanwhile, it does nothing, so a redelivery never sends a post twice.
@shared_task(bind=True, name="content.publish_target", ignore_result=True, acks_late=True)
def publish_target_task(self: Task, target_id: int) -> None:
    """Publish one queued target (does nothing if it is no longer queued)."""
    attempt.publish_target(target_id=target_id, worker=self.request.hostname or "")


@shared_task(name="content.reconcile_target", ignore_result=True)
def reconcile_target_task(target_id: int) -> None:
    """Look a post of unknown outcome up on its platform. A failed lookup is sent again by the
    dispatcher after its backoff (content.services.publishing.dispatch._lookups_due)."""
    reconcile.reconcile_target(target_id=target_id)


@shared_task(name="content.post_status_repair", ignore_result=True)
def post_status_repair() -> None:
    """Beat: fix posts whose stored status differs from the one their targets give, with a
    warning per post (each one is a bug to look into: a status was written around the state
    machine, or a write was lost)."""
    for drift in state.posts_status_repair():
        log.warning(
            "post %s (workspace %s) had status %s; its targets say %s: fixed",
            drift.post_id,
            drift.workspace_id,
            drift.stored,
            drift.derived,
        )
