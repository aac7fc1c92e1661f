"""The Celery app. The beat schedule is assembled from the apps' plugins (smm.registry);
django-celery-beat's database scheduler keeps it (and lets admins pause entries)."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from typing import Any

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun, worker_ready
from kombu import Queue

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
# The queues a worker consumes when started without `--queues` (all of them), and the routes of
# the apps' periodic tasks (BeatEntry.queue), filled by the plugins like the schedule.
QUEUES = ("celery", "sweeps")
app.conf.task_queues = [Queue(name) for name in QUEUES]
app.conf.task_routes = registry.TASK_ROUTES


def queues_expected() -> set[str]:
    """Every queue some task is sent to: each must have a worker consuming it."""
    return {app.conf.task_default_queue} | {
        route["queue"] for route in registry.TASK_ROUTES.values()
    }


def queue_message_count(queue: str) -> int | None:
    """Messages waiting in `queue` (not those a worker holds), asked of the broker; None when
    the broker cannot be reached."""
    try:
        # A pooled connection: the dispatcher asks every second.
        with app.pool.acquire(block=True, timeout=2) as pooled:
            conn: Any = pooled  # a kombu Connection (the stubs type the pool's items loosely)
            conn.ensure_connection(max_retries=1)
            # The transport's Channel has queue_declare; kombu's StdChannel stub does not.
            return int(conn.default_channel.queue_declare(queue=queue).message_count)
    except Exception as exc:  # any broker failure: the caller falls back to its long wait
        logging.getLogger(__name__).warning("could not count the messages in %s: %s", queue, exc)
        return None


@worker_ready.connect
def _warn_missing_queues(sender: object = None, **_: object) -> None:
    """A worker started with a `--queues` list that leaves a queue out says so loudly: tasks on
    that queue (the dispatcher on `sweeps`) would wait for ever if no other worker takes them."""
    consumer = getattr(sender, "task_consumer", None)
    if consumer is None:
        return
    consumed = {queue.name for queue in consumer.queues}
    missing = sorted(queues_expected() - consumed)
    if missing:
        logging.getLogger(__name__).error(
            "this worker does not consume the queue(s) %s: unless another worker does, their "
            "tasks never run (start workers without --queues, or list all of: %s)",
            ", ".join(missing),
            ", ".join(sorted(queues_expected())),
        )


# Persistent database connections in workers. Celery's Django fixup would close every connection
# before and after each task (so CONN_MAX_AGE did nothing and each task opened a new PostgreSQL
# connection); CELERY_DB_REUSE_MAX in the settings turns that off, and here a task gets what a
# request gets from Django: connections past CONN_MAX_AGE, or left unusable by an error (a
# terminated backend), are closed before and after it, the others are kept; with
# CONN_HEALTH_CHECKS a kept one is checked before its first use.


def _close_old_db_connections(task: object) -> None:
    # Not for a task run eagerly (in a request or a test's transaction), as the fixup does.
    if getattr(getattr(task, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@task_prerun.connect
def _db_connections_before_task(sender: object = None, **_: object) -> None:
    _close_old_db_connections(sender)


@task_postrun.connect
def _db_connections_after_task(sender: object = None, **_: object) -> None:
    _close_old_db_connections(sender)


@before_task_publish.connect
def _stamp_publish_time(headers: dict | None = None, **_: object) -> None:
    """Every message carries the time it was sent, so the heartbeat can tell queue lag."""
    if headers is not None:
        headers.setdefault("smm_sent_at", datetime.now(UTC).isoformat())
