"""Celery for real: a task published on commit travels through a broker (Redis, or the file-system
transport of the embedded mode) to a worker subprocess, which runs it on the test database; beat's
schedule keeps its expiry in the DatabaseScheduler, and beat plus a worker keep the heartbeat
fresh. The file-system cases run in CI too (with REDIS_URL set, they force that transport)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.utils.imports import symbol_by_name
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from smm.celery import app
from smm.models import Heartbeat
from smm.selectors import heartbeat_status
from smm.tasks import heartbeat
from tests.workers import Broker, celery_beat, celery_worker, isolated_broker, wait_for


@pytest.fixture(params=["filesystem", pytest.param("redis", marks=pytest.mark.redis)])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Broker]:
    with isolated_broker(request.param, tmp_path) as broker:
        yield broker


def _recorded_heartbeat() -> Heartbeat | None:
    return Heartbeat.objects.filter(name=Heartbeat.CELERY, received_at__isnull=False).first()


def test_task_sent_on_commit_goes_through_the_broker_to_a_worker(
    transactional_db: None, broker: Broker, tmp_path: Path
) -> None:
    before = timezone.now()
    with transaction.atomic():
        transaction.on_commit(lambda: heartbeat.delay())
        assert broker.message_count() == 0  # not before the commit
    published = timezone.now()
    # Published on commit, and waiting in the broker itself until a worker takes it.
    assert broker.message_count() == 1
    if broker.queue_dir is not None:
        assert len(list(broker.queue_dir.iterdir())) == 1  # a message file in our own folder
    assert _recorded_heartbeat() is None

    with celery_worker(broker, log_dir=tmp_path) as worker:
        row = wait_for(
            _recorded_heartbeat, timeout=20, what="the heartbeat to run", processes=[worker]
        )
        assert broker.message_count() == 0
    assert "Task smm.heartbeat[" in worker.log()
    assert row.worker == worker.name  # the subprocess ran it, not this one
    # smm.celery stamps `smm_sent_at` into the headers when this process publishes (not when the
    # worker runs it); the task got it.
    assert row.sent_at is not None
    assert before <= row.sent_at <= published < row.received_at
    status = heartbeat_status()
    assert status.lag == row.received_at - row.sent_at
    assert not status.is_stale


def test_task_is_not_sent_when_the_transaction_rolls_back(
    transactional_db: None, broker: Broker
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(lambda: heartbeat.delay())
        raise RuntimeError("roll back")
    assert broker.message_count() == 0

    # The control: the same thing committed does reach the broker, so the count above would see it.
    with transaction.atomic():
        transaction.on_commit(lambda: heartbeat.delay())
    assert broker.message_count() == 1


def test_heartbeat_beat_entry_expires_after_one_interval(db: None) -> None:
    interval = settings.SMM_HEARTBEAT_INTERVAL
    entry = app.conf.beat_schedule["smm.heartbeat"]
    assert entry["task"] == "smm.heartbeat"
    assert entry["schedule"] == interval
    # What the configured scheduler stores and sends (update_from_dict at beat start-up):
    # django-celery-beat silently drops an `expires` option, so check the stored entry.
    scheduler = symbol_by_name(settings.CELERY_BEAT_SCHEDULER)
    stored = scheduler.Entry.from_entry("smm.heartbeat", app=app, **entry)
    assert stored.options["expires"] == interval
    assert PeriodicTask.objects.get(name="smm.heartbeat").expire_seconds == interval


def test_beat_sends_heartbeats_that_a_worker_records(
    transactional_db: None, broker: Broker, tmp_path: Path
) -> None:
    """End to end: `celery -A smm beat` (DatabaseScheduler, test database) sends the heartbeat
    every 2 s through the broker, a worker runs it, and the status turns fresh."""
    assert heartbeat_status().is_stale
    fast = {"SMM_HEARTBEAT_INTERVAL": "2"}
    with (
        celery_worker(broker, log_dir=tmp_path) as worker,
        celery_beat(broker, log_dir=tmp_path, env=fast) as beat,
    ):
        row = wait_for(
            _recorded_heartbeat,
            timeout=30,
            what="beat's heartbeat to be run by the worker",
            processes=[worker, beat],
        )
    assert "Sending due task smm.heartbeat (smm.heartbeat)" in beat.log()
    assert row.worker == worker.name
    assert row.sent_at is not None
    assert row.sent_at <= row.received_at
    assert not heartbeat_status().is_stale
    assert PeriodicTask.objects.get(name="smm.heartbeat").expire_seconds == 2
