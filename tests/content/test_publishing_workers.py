"""The publishing engine with real processes: PostgreSQL, Redis, Celery worker subprocesses and a
fake Mastodon instance on 127.0.0.1 (tests/fake_platform.py) that records every call.

What these prove (issues 5 and 13): concurrent dispatchers never claim a target twice; a worker
killed with SIGKILL in the middle of a publish (its lease runs out) leads to needs_attention and
reconciliation, not a second post; a publish slower than its lease is left alone while its
worker renews the lease, and goes out once; a Redis crash and restart, and PostgreSQL
connections terminated mid-run, lose nothing. "Exactly once" is counted on the platform's side:
one status per target, one POST /api/v1/statuses per Idempotency-Key.

The dispatcher runs in this process (the beat task's function, `dispatch_due_all_workspaces`),
with short SMM_PUBLISH_REQUEUE_AFTER / SMM_PUBLISH_STALE_AFTER; the workers get the same values
through the environment.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from channels_app.models import Channel
from content.models import PostTarget, PublishAttempt
from content.services.publishing import DispatchResult, dispatch_due_all_workspaces
from content.tasks import dispatch_due
from smm.models import Workspace
from tests.content.test_publishing_factories import ACCOUNT_ID, TOKEN, due_post, mastodon_channel
from tests.factories import WorkspaceFactory
from tests.fake_platform import FakePlatform, fake_mastodon
from tests.workers import (
    Broker,
    CeleryProcess,
    celery_worker,
    isolated_broker,
    redis_server,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

S = PostTarget.Status
STATUSES = "/api/v1/statuses"
REQUEUE_AFTER = 2  # seconds
STALE_AFTER = 3  # seconds
WORKER_ENV = {
    "SMM_PUBLISH_REQUEUE_AFTER": str(REQUEUE_AFTER),
    "SMM_PUBLISH_STALE_AFTER": str(STALE_AFTER),
}


@pytest.fixture
def engine_settings(settings: Any) -> None:
    """This process dispatches; it uses the same short windows as the workers."""
    settings.SMM_PUBLISH_REQUEUE_AFTER = REQUEUE_AFTER
    settings.SMM_PUBLISH_STALE_AFTER = STALE_AFTER


@pytest.fixture
def fake() -> Iterator[FakePlatform]:
    with fake_mastodon(latency_ms=20) as platform:
        yield platform


@pytest.fixture
def space(transactional_db: None) -> Workspace:
    return WorkspaceFactory(name="Tulip Coffee", slug="tulip-coffee")


@pytest.fixture
def channel(space: Workspace, fake: FakePlatform) -> Channel:
    """A Mastodon account on the fake instance."""
    fake.add_account(TOKEN, ACCOUNT_ID, "tulip")
    return mastodon_channel(space, instance_url=fake.url, handle="@tulip@127.0.0.1")


def due_targets(workspace: Workspace, channel: Channel, n: int, label: str) -> list[int]:
    """`n` posts due a moment ago, one target each on `channel`, with texts of their own."""
    at = timezone.now() - timedelta(seconds=1)
    ids: list[int] = []
    for i in range(n):
        post = due_post(workspace, [channel], at=at, text=f"{label}: fresh beans, batch {i}")
        ids += list(post.targets.values_list("pk", flat=True))
    return ids


def statuses_of(ids: Iterable[int]) -> Counter[str]:
    return Counter(PostTarget.objects.filter(pk__in=ids).values_list("status", flat=True))


def all_published(ids: list[int]) -> Callable[[], bool]:
    return lambda: statuses_of(ids)[S.PUBLISHED] == len(ids)


def dispatch_until(
    condition: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    processes: Iterable[CeleryProcess] = (),
    interval: float = 0.3,
) -> None:
    """Run the dispatcher (as beat would, but every `interval` s) until `condition` holds."""

    def step() -> bool:
        dispatch_due_all_workspaces()
        return condition()

    wait_for(step, timeout=timeout, what=what, interval=interval, processes=processes)


def assert_published_exactly_once(fake: FakePlatform, ids: list[int]) -> None:
    """Every target published, each as exactly one status on the platform, posted once."""
    targets = list(PostTarget.objects.filter(pk__in=ids))
    assert Counter(t.status for t in targets) == {S.PUBLISHED: len(ids)}
    keys = {t.publish_key for t in targets}
    assert len(keys) == len(ids) and "" not in keys
    posts = Counter(c.idempotency_key for c in fake.calls_to("POST", STATUSES))
    assert {k: n for k, n in posts.items() if k in keys and n != 1} == {}, "a target posted twice"
    assert set(posts) >= keys, "a target never reached the platform"
    created = {s.idempotency_key: s for s in fake.statuses if s.idempotency_key in keys}
    assert len(created) == len(ids)
    assert fake.duplicates() == {}
    assert fake.statuses_by_key().most_common(1)[0][1] == 1
    # What Ripple recorded is what the platform created.
    for target in targets:
        assert target.external_id == created[target.publish_key].id
        assert target.external_url.endswith(f"/{target.external_id}")


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def terminate_other_backends(*, spare: Iterable[int] = ()) -> int:
    """pg_terminate_backend every session on the test database but this thread's and `spare`
    (the workers'); returns how many were terminated."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND NOT pid = ANY(%s)",
            [list(spare)],
        )
        return int(cursor.fetchone()[0])


@pytest.fixture
def broker(tmp_path: Path, transactional_db: None) -> Iterator[Broker]:
    with isolated_broker("redis", tmp_path) as broker:
        yield broker


# Concurrent dispatchers -----------------------------------------------------------------------


def test_concurrent_dispatchers_never_double_claim(
    space: Workspace,
    channel: Channel,
    fake: FakePlatform,
    broker: Broker,
    engine_settings: None,
    tmp_path: Path,
) -> None:
    ids = due_targets(space, channel, 50, "Concurrent")
    claims: list[list[int]] = [[], []]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def dispatcher(mine: list[int]) -> None:
        """One dispatcher on a database connection of its own, claiming a few at a time."""
        try:
            start.wait(timeout=10)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                result: DispatchResult = dispatch_due_all_workspaces(limit=3)
                mine += result.queued
                if not PostTarget.objects.filter(pk__in=ids, status=S.SCHEDULED).exists():
                    return
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    with celery_worker(
        broker, log_dir=tmp_path, pool="prefork", concurrency=4, env=WORKER_ENV
    ) as worker:
        threads = [threading.Thread(target=dispatcher, args=(claims[i],)) for i in range(2)]
        for thread in threads:
            thread.start()
        # Two more dispatchers race them inside the worker (the beat task, run twice at once).
        dispatch_due.delay()
        dispatch_due.delay()
        for thread in threads:
            thread.join(timeout=40)
        assert not any(t.is_alive() for t in threads), "a dispatcher thread hung"
        assert errors == []
        wait_for(all_published(ids), timeout=40, what="50 targets published", processes=[worker])

    first, second = set(claims[0]), set(claims[1])
    assert len(claims[0]) == len(first) and len(claims[1]) == len(second)
    assert first.isdisjoint(second), "two dispatchers claimed the same target"
    assert first | second <= set(ids)
    assert_published_exactly_once(fake, ids)
    # One attempt per target, and every attempt succeeded on its first try.
    attempts = PublishAttempt.objects.filter(target_id__in=ids)
    assert Counter(attempts.values_list("outcome", flat=True)) == {
        PublishAttempt.Outcome.PUBLISHED: 50
    }
    assert len(fake.calls_to("POST", STATUSES)) == 50


# A worker killed in the middle of a publish ---------------------------------------------------


def test_worker_killed_mid_publish_is_reconciled_not_posted_twice(
    space: Workspace,
    channel: Channel,
    fake: FakePlatform,
    broker: Broker,
    engine_settings: None,
    tmp_path: Path,
) -> None:
    (target_id,) = due_targets(space, channel, 1, "Killed")
    # The instance creates the status, then takes a minute to answer: the worker dies waiting.
    hang = fake.hang_next("POST", STATUSES, 60)
    with celery_worker(broker, log_dir=tmp_path, env=WORKER_ENV) as first:
        dispatch_due_all_workspaces()
        wait_for(hang.started.is_set, timeout=20, what="the publish call", processes=[first])
        assert PostTarget.objects.get(pk=target_id).status == S.PUBLISHING
        first.kill()
    assert len(fake.statuses) == 1  # it did go out
    (status,) = fake.statuses

    with celery_worker(broker, log_dir=tmp_path, env=WORKER_ENV) as second:
        target = PostTarget.objects.get(pk=target_id)
        assert target.status == S.PUBLISHING
        assert target.lease_owner and target.lease_expires_at is not None
        if target.lease_expires_at - timezone.now() > timedelta(seconds=0.5):
            # Before its lease runs out the dispatcher leaves it alone: the worker might still
            # answer. The dead worker renews it no more, so it runs out within STALE_AFTER.
            assert dispatch_due_all_workspaces().stale == []
        dispatch_until(
            lambda: PostTarget.objects.get(pk=target_id).status == S.PUBLISHED,
            timeout=30,
            what="the target to be reconciled as published",
            processes=[second],
        )

    target = PostTarget.objects.get(pk=target_id)
    assert target.external_id == status.id
    assert target.external_url.endswith(f"/{status.id}")
    assert target.hold_reason == "" and target.last_error == ""
    assert target.attempts == 1  # never sent again
    # The path it took: the attempt the dead worker left open was settled as unknown, then the
    # lookup on the platform found the post.
    outcomes = list(
        PublishAttempt.objects.filter(target_id=target_id)
        .order_by("pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes == [PublishAttempt.Outcome.UNKNOWN, PublishAttempt.Outcome.FOUND]
    assert len(fake.calls_to("POST", STATUSES)) == 1
    assert fake.calls_to("GET", f"/api/v1/accounts/{ACCOUNT_ID}/statuses")
    assert_published_exactly_once(fake, [target_id])


# Redis crashes and comes back -----------------------------------------------------------------


def test_redis_restart_mid_run_loses_nothing(
    space: Workspace,
    channel: Channel,
    fake: FakePlatform,
    engine_settings: None,
    tmp_path: Path,
) -> None:
    fake.latency_ms = 100  # slow enough that most messages still wait in Redis when it dies
    ids = due_targets(space, channel, 30, "Redis restart")
    with (
        redis_server(tmp_path / "redis") as redis,
        isolated_broker("redis", tmp_path, redis_url=redis.url) as broker,
        celery_worker(broker, log_dir=tmp_path, env=WORKER_ENV) as worker,
    ):
        assert len(dispatch_due_all_workspaces().queued) == 30
        wait_for(
            lambda: statuses_of(ids)[S.PUBLISHED] >= 3,
            timeout=20,
            what="the first targets to be published",
            processes=[worker],
        )
        redis.kill()  # the messages still waiting in it are gone
        assert statuses_of(ids)[S.QUEUED] >= 10  # their tasks were in Redis
        # Dispatching while the broker is down: nothing is claimed twice, nothing dropped.
        dispatch_due_all_workspaces()
        time.sleep(1)
        redis.start()
        dispatch_until(
            all_published(ids), timeout=45, what="all 30 targets published", processes=[worker]
        )
    assert "Connection to broker lost" in worker.log()  # the worker reconnected
    assert_published_exactly_once(fake, ids)
    assert len(fake.calls_to("POST", STATUSES)) == 30


# PostgreSQL connections terminated ------------------------------------------------------------


def test_terminated_database_connections_lose_nothing(
    space: Workspace,
    channel: Channel,
    fake: FakePlatform,
    broker: Broker,
    engine_settings: None,
    tmp_path: Path,
) -> None:
    """Celery closes the worker's connection after each task, so an idle worker holds none: the
    connections that matter are the ones cut in the middle of a task."""
    with celery_worker(broker, log_dir=tmp_path, env=WORKER_ENV) as worker:
        # 1. A storm: the worker's connections are terminated every 100 ms while it publishes,
        # wherever it is in a task. Whatever is cut, no target is posted twice and every target
        # is accounted for: published with the platform's id, or (cut after the claim, before
        # the call) held for a person with nothing on the platform.
        storm = due_targets(space, channel, 20, "Storm")
        stop = threading.Event()
        terminated: list[int] = []
        mine = backend_pid()  # the test's own connection (the dispatcher) stays

        def terminate_repeatedly() -> None:
            try:
                while not stop.wait(0.1):
                    terminated.append(terminate_other_backends(spare=[mine]))
            finally:
                connections.close_all()

        killer = threading.Thread(target=terminate_repeatedly)
        killer.start()
        try:
            # Shorter than STALE_AFTER: the lookups of cut targets start after the storm (a
            # lookup whose task dies is not sent again by the dispatcher).
            storm_until = time.monotonic() + 1.5
            while time.monotonic() < storm_until:
                dispatch_due_all_workspaces()
                time.sleep(0.2)
        finally:
            stop.set()
            killer.join(timeout=10)
        assert sum(terminated) >= 1, "the storm never hit a worker connection"
        dispatch_until(
            lambda: settled(storm), timeout=30, what="the storm batch to settle", processes=[worker]
        )

        # 2. Cut while the worker waits for the platform: the post went out, but writing the
        # outcome fails. The lookup settles it as published; it is not posted again.
        hang = fake.hang_next("POST", STATUSES, 1.5)
        busy = due_targets(space, channel, 5, "During call")
        dispatch_due_all_workspaces()
        wait_for(hang.started.is_set, timeout=20, what="a publish call", processes=[worker])
        assert terminate_other_backends() >= 1
        dispatch_until(all_published(busy), timeout=30, what="the busy batch", processes=[worker])
        assert worker.alive

    published = [t.pk for t in PostTarget.objects.filter(pk__in=storm, status=S.PUBLISHED)]
    held = PostTarget.objects.filter(pk__in=storm).exclude(status=S.PUBLISHED)
    assert published
    assert_published_exactly_once(fake, published + busy)
    on_platform = set(fake.statuses_by_key())
    for target in held:  # cut before the platform was called: nothing out there, a person told
        assert target.status == S.NEEDS_ATTENTION and target.hold_reason == "unknown"
        assert target.publish_key not in on_platform
    assert fake.duplicates() == {}
    assert len(fake.calls_to("POST", STATUSES)) == len(published) + len(busy)
    outcomes = Counter(
        PublishAttempt.objects.filter(target_id__in=busy).values_list("outcome", flat=True)
    )
    # The one whose write was cut off was found on the platform; the rest went out normally.
    assert outcomes == {
        PublishAttempt.Outcome.UNKNOWN: 1,
        PublishAttempt.Outcome.FOUND: 1,
        PublishAttempt.Outcome.PUBLISHED: 4,
    }


def settled(ids: list[int]) -> bool:
    """Every target published, or looked up on the platform and left for a person."""
    counts = statuses_of(ids)
    if counts[S.PUBLISHED] + counts[S.NEEDS_ATTENTION] != len(ids):
        return False
    looked_up = (
        PublishAttempt.objects.filter(
            target_id__in=ids,
            target__status=S.NEEDS_ATTENTION,
            outcome=PublishAttempt.Outcome.NOT_FOUND,
        )
        .values("target_id")
        .distinct()
        .count()
    )
    return looked_up == counts[S.NEEDS_ATTENTION]


# A slow publish under a live lease (issue 13) --------------------------------------------------

LEASE = 2  # seconds: renewed every 2/3 s by the worker while its call runs
SLOW_CALL = 5  # seconds: longer than the lease and than the old stale limit


def test_a_slow_publish_with_a_live_lease_is_never_sent_twice(
    space: Workspace,
    channel: Channel,
    fake: FakePlatform,
    broker: Broker,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.SMM_PUBLISH_REQUEUE_AFTER = REQUEUE_AFTER
    settings.SMM_PUBLISH_STALE_AFTER = LEASE
    ids = due_targets(space, channel, 4, "Slow")
    # The instance stalls before it creates the status: a lookup meanwhile finds nothing, and
    # (with the old stale limit) the target was sent again while the first call still ran.
    slow = fake.hang_next("POST", STATUSES, SLOW_CALL, times=4, after_handling=False)
    env = {**WORKER_ENV, "SMM_PUBLISH_STALE_AFTER": str(LEASE)}
    with celery_worker(broker, log_dir=tmp_path, pool="prefork", concurrency=4, env=env) as worker:
        started = time.monotonic()
        assert len(dispatch_due_all_workspaces().queued) == 4
        wait_for(slow.started.is_set, timeout=20, what="the slow calls", processes=[worker])
        stale: list[int] = []

        def published_and_never_stale() -> bool:
            stale.extend(dispatch_due_all_workspaces().stale)
            return all_published(ids)()

        wait_for(
            published_and_never_stale,
            timeout=25,
            what="4 slow targets published",
            processes=[worker],
            interval=0.3,
        )
        assert time.monotonic() - started > LEASE  # the calls did outlast the lease

    assert stale == []
    assert_published_exactly_once(fake, ids)
    assert len(fake.calls_to("POST", STATUSES)) == 4
    assert fake.calls_to("GET", f"/api/v1/accounts/{ACCOUNT_ID}/statuses") == []  # no lookup
    assert Counter(
        PublishAttempt.objects.filter(target_id__in=ids).values_list("outcome", flat=True)
    ) == {PublishAttempt.Outcome.PUBLISHED: 4}
