"""Celery entry points of the content area: ids in, one service call."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="content.import_batch_run", ignore_result=True)
def import_batch_run(batch_id: int) -> None:
    """Import (or resume) one CSV batch that is too large for a web request."""
    from content.services.imports import import_batch_run as run

    run(batch_id=batch_id)


@shared_task(name="content.imports_resume_stalled", ignore_result=True)
def imports_resume_stalled() -> None:
    """Beat: re-start background imports whose worker died."""
    from content.services.imports import import_batches_resume_stalled

    import_batches_resume_stalled()


@shared_task(name="content.dispatch_due", ignore_result=True)
def dispatch_due() -> None:
    """Beat, every few seconds: claim due post targets and send one publish task each."""
    from content.services.publishing import dispatch_due_all_workspaces

    dispatch_due_all_workspaces()


@shared_task(bind=True, name="content.publish_target", ignore_result=True, acks_late=False)
def publish_target_task(self, target_id: int) -> None:  # type: ignore[no-untyped-def]
    """Publish one queued target (does nothing if it is no longer queued)."""
    from content.services.publishing import publish_target

    publish_target(target_id=target_id, worker=self.request.hostname or "")


@shared_task(name="content.reconcile_target", ignore_result=True)
def reconcile_target_task(target_id: int) -> None:
    """Look a post of unknown outcome up on its platform. A failed lookup is sent again by the
    dispatcher after its backoff (content.services.publishing._lookups_due)."""
    from content.services.publishing import reconcile_target

    reconcile_target(target_id=target_id)
