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
