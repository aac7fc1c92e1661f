"""The Celery app. The beat schedule is assembled from the apps' plugins (smm.registry);
django-celery-beat's database scheduler keeps it (and lets admins pause entries)."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from celery import Celery
from celery.signals import before_task_publish

from smm import registry

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")

# Sweeps that run every second would fill the worker's and beat's logs with "received",
# "succeeded" and "sending due task" lines; those INFO lines are dropped for the tasks whose beat
# entry says `quiet` (failures still show).


class _QuietSweeps(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        message = record.getMessage()
        return not any(name in message for name in registry.QUIET_TASKS)


for _logger in ("celery.worker.strategy", "celery.app.trace", "celery.beat"):
    logging.getLogger(_logger).addFilter(_QuietSweeps())

app = Celery("smm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# The apps' periodic tasks, registered by their plugins while Django sets up (smm.registry);
# beat reads this dict after that, when it starts its scheduler.
app.conf.beat_schedule = registry.BEAT_SCHEDULE


@before_task_publish.connect
def _stamp_publish_time(headers: dict | None = None, **_: object) -> None:
    """Every message carries the time it was sent, so the heartbeat can tell queue lag."""
    if headers is not None:
        headers.setdefault("smm_sent_at", datetime.now(UTC).isoformat())
