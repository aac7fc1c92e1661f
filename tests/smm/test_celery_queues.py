"""The worker's side of "faults cost seconds": the dispatcher and sweeps have a queue of their own
that every worker consumes, a worker survives a Redis restart and goes on working, and Django's
database connections persist between tasks (CONN_MAX_AGE) instead of being closed by Celery's
Django fixup after each one."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection
from django.utils import timezone

from smm import registry
from smm.celery import QUEUES, app, queue_message_count, queues_expected
from smm.models import Heartbeat
from smm.tasks import heartbeat
from tests.workers import ALL_QUEUES, celery_worker, isolated_broker, redis_server, wait_for


def _route(task: str) -> str:
    return str(app.amqp.router.route({}, task)["queue"].name)


def test_dispatcher_and_sweeps_go_to_the_sweeps_queue_and_publishes_to_the_default() -> None:
    assert _route("content.dispatch_due") == "sweeps"
    assert _route("content.post_status_repair") == "sweeps"
    assert _route("content.imports_resume_stalled") == "sweeps"
    assert _route("content.publish_target") == "celery"
    assert _route("content.reconcile_target") == "celery"
    assert registry.TASK_ROUTES["content.dispatch_due"] == {"queue": "sweeps"}


def test_every_queue_a_task_is_sent_to_is_consumed_by_a_default_worker() -> None:
    """A worker started without --queues consumes app.conf.task_queues: all of them."""
    consumed = {queue.name for queue in app.conf.task_queues}
    assert queues_expected() <= consumed
    assert set(QUEUES) == consumed == set(ALL_QUEUES)


def test_publish_task_is_acknowledged_late_and_rejected_back_when_its_worker_dies() -> None:
    from content.tasks import publish_target_task

    assert publish_target_task.acks_late
    assert app.conf.task_reject_on_worker_lost


def test_the_django_fixup_no_longer_closes_connections_around_tasks(transactional_db: None) -> None:
    """CONN_MAX_AGE works in workers: the fixup's unconditional close is off (CELERY_DB_REUSE_MAX)
    and smm.celery closes only old or broken connections (close_old_connections)."""
    fixup = DjangoWorkerFixup(app)
    connection.ensure_connection()
    raw = connection.connection
    fixup.on_task_prerun(sender=heartbeat)
    fixup.on_task_postrun(sender=heartbeat)
    assert connection.connection is raw


@pytest.mark.redis
def test_queue_message_count_asks_the_broker(transactional_db: None, tmp_path: Path) -> None:
    with isolated_broker("redis", tmp_path) as broker:
        assert queue_message_count("celery") == 0
        heartbeat.delay()
        assert queue_message_count("celery") == broker.message_count("celery") == 1


@pytest.mark.redis
def test_a_worker_started_without_the_sweeps_queue_says_so(
    transactional_db: None, tmp_path: Path
) -> None:
    with (
        isolated_broker("redis", tmp_path) as broker,
        celery_worker(broker, log_dir=tmp_path, queues=("celery",)) as worker,
    ):
        wait_for(
            lambda: "does not consume the queue(s) sweeps" in worker.log(),
            timeout=10,
            what="the missing-queue error",
            processes=[worker],
        )


@pytest.mark.redis
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_worker_keeps_working_after_redis_restarts_empty(
    transactional_db: None, tmp_path: Path
) -> None:
    """The issue saw kombu connection errors end the worker in 2 of 5 Redis restarts. Here
    Redis is killed (SIGKILL, no persistence) and started again on the same port, three times,
    and the same worker process runs a task sent after each restart."""
    with (
        redis_server(tmp_path / "redis") as server,
        isolated_broker("redis", tmp_path, redis_url=server.url) as broker,
        celery_worker(
            broker, log_dir=tmp_path, pool="prefork", concurrency=1, cluster=True
        ) as worker,
    ):
        for round_ in range(4):
            if round_:
                server.kill()
                # Down for a while (as a real restart is), so the worker's reconnects fail first.
                time.sleep(round_)
                server.start()
            sent = timezone.now()
            # The producer (this process) reconnects too: publishing retries on a dead socket.
            heartbeat.delay()
            wait_for(
                lambda sent=sent: Heartbeat.objects.filter(
                    name=Heartbeat.CELERY, received_at__gt=sent
                ).exists(),
                timeout=30,
                what=f"a task sent after Redis restart #{round_} to run",
                processes=[worker],
            )
        assert worker.alive


@pytest.mark.redis
def test_a_worker_keeps_its_database_connection_between_tasks(
    transactional_db: None, tmp_path: Path
) -> None:
    """Three tasks in a row on one worker use one PostgreSQL backend, still open afterwards
    (before, the fixup closed it after each task and the next task opened a new one)."""
    if connection.vendor != "postgresql":
        pytest.skip("counts PostgreSQL backends")

    def worker_backends() -> list[tuple[int, object]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, backend_start FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return list(cursor.fetchall())

    with (
        isolated_broker("redis", tmp_path) as broker,
        celery_worker(broker, log_dir=tmp_path) as worker,
    ):
        before = set(worker_backends())
        seen = []
        for _ in range(3):
            sent = timezone.now()
            heartbeat.delay()
            wait_for(
                lambda sent=sent: Heartbeat.objects.filter(
                    name=Heartbeat.CELERY, received_at__gt=sent
                ).exists(),
                timeout=20,
                what="the heartbeat to run",
                processes=[worker],
            )
            seen.append(set(worker_backends()) - before)
        assert len(seen[0]) == 1, seen  # the worker's connection, open after its first task
        assert seen[0] == seen[1] == seen[2]  # and the same one after the next two
