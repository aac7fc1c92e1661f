"""Starting background work from a service: a task is sent by its registered name.

Tasks call services, never the reverse: a service that must start background work names the
task (`content.tasks` registers these names) instead of importing it, so no service imports
content.tasks and no import circle runs through it. Send after commit (`task_send_on_commit`)
when the work reads rows the current transaction writes.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from celery import current_app
from django.db import transaction

PUBLISH_TARGET = "content.publish_target"
RECONCILE_TARGET = "content.reconcile_target"
IMPORT_BATCH_RUN = "content.import_batch_run"


def task_send(name: str, *args: Any, **options: Any) -> None:
    """Send task `name` with positional `args` (JSON values: ids) and Celery's sending options
    (`countdown`, `expires`, `queue`...), as `task.apply_async(args, **options)` would. Raises
    what the broker raises when it cannot take the message (kombu's OperationalError)."""
    current_app.send_task(name, args=args, ignore_result=True, **options)


def task_send_on_commit(name: str, *args: Any, **options: Any) -> None:
    """task_send once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(task_send, name, *args, **options))
