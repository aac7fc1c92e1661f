"""The Celery app. The beat schedule lives here in code; django-celery-beat's database scheduler
keeps it (and lets admins pause entries)."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from celery import Celery
from celery.schedules import crontab
from celery.signals import before_task_publish

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smm.settings")

# Sweeps that run every second would fill the worker's and beat's logs with "received",
# "succeeded" and "sending due task" lines; those INFO lines are dropped (failures still show).
QUIET_TASKS = ("content.dispatch_due",)


class _QuietSweeps(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        message = record.getMessage()
        return not any(name in message for name in QUIET_TASKS)


for _logger in ("celery.worker.strategy", "celery.app.trace", "celery.beat"):
    logging.getLogger(_logger).addFilter(_QuietSweeps())

app = Celery("smm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _heartbeat_interval() -> int:
    from django.conf import settings

    return int(settings.SMM_HEARTBEAT_INTERVAL)


def _token_refresh_interval() -> int:
    from django.conf import settings

    return int(settings.SMM_TOKEN_REFRESH_INTERVAL)


def _dispatch_interval() -> int:
    from django.conf import settings

    return int(settings.SMM_DISPATCH_INTERVAL)


def _expires(seconds: int) -> dict[str, int]:
    """Entry options that make a message expire `seconds` after beat sent it. django-celery-beat's
    DatabaseScheduler keeps only `expire_seconds` (it drops `expires`); Celery's own schedulers
    read `expires`."""
    return {"expires": seconds, "expire_seconds": seconds}


app.conf.beat_schedule = {
    "smm.heartbeat": {
        "task": "smm.heartbeat",
        "schedule": float(_heartbeat_interval()),
        # A heartbeat that waited longer than one interval in the queue says nothing new.
        "options": _expires(_heartbeat_interval()),
    },
    "channels.tokens_refresh_due": {
        "task": "channels.tokens_refresh_due",
        "schedule": float(_token_refresh_interval()),
        "options": _expires(_token_refresh_interval()),
    },
    "channels.profiles_refresh": {
        "task": "channels.profiles_refresh",
        "schedule": crontab(minute=17, hour=4),
        "options": _expires(3600),
    },
    "content.dispatch_due": {
        "task": "content.dispatch_due",
        "schedule": float(_dispatch_interval()),
        "options": _expires(_dispatch_interval()),
    },
    "content.imports_resume_stalled": {
        "task": "content.imports_resume_stalled",
        "schedule": 300.0,
        "options": _expires(300),
    },
}


@before_task_publish.connect
def _stamp_publish_time(headers: dict | None = None, **_: object) -> None:
    """Every message carries the time it was sent, so the heartbeat can tell queue lag."""
    if headers is not None:
        headers.setdefault("smm_sent_at", datetime.now(UTC).isoformat())
