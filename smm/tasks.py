"""Celery entry points of the shared kernel: ids (or plain values) in, one service call."""

from __future__ import annotations

import socket
from datetime import datetime

from celery import Task, shared_task


@shared_task(bind=True, name="smm.heartbeat", ignore_result=True)
def heartbeat(self: Task, **_: object) -> None:
    """Sent by beat every SMM_HEARTBEAT_INTERVAL seconds; proves beat and a worker are alive.

    `smm_sent_at` is stamped into the message headers when it is published (smm.celery)."""
    from smm.services import heartbeat_record

    stamp = getattr(self.request, "smm_sent_at", None)
    heartbeat_record(
        sent_at=datetime.fromisoformat(stamp) if stamp else None,
        worker=self.request.hostname or socket.gethostname(),
    )
