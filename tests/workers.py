"""Real Celery processes for tests: a worker (and beat) run as subprocesses of the test, on the
test database and on a broker of the test's own, so a test proves what production does: the
message goes through the broker and another process runs the task.

    def test_something(transactional_db, tmp_path):          # committed data only
        with isolated_broker("filesystem", tmp_path) as broker:  # or "redis"
            with celery_worker(broker, log_dir=tmp_path) as worker:
                some_task.delay(...)                              # published into `broker`
                wait_for(lambda: ..., timeout=20, what="...", processes=[worker])
                worker.kill()                                     # SIGKILL, as a crash would

`isolated_broker` points this process's Celery app (the producer) at a broker nobody else uses,
a private folder for Kombu's file-system transport or a private key prefix in Redis, and hands
the same place to the subprocesses through the environment (SMM_VAR_DIR, REDIS_URL,
SMM_BROKER_KEY_PREFIX), so a stray `make run` worker or a parallel test run cannot take the
messages. Every wait is bounded and every process is stopped (SIGTERM, then SIGKILL) on exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, TypeVar
from urllib.parse import quote

from django.conf import settings

if TYPE_CHECKING:
    from kombu import Connection

T = TypeVar("T")

DEFAULT_QUEUE = "celery"
# Every queue of smm.celery (item tasks, and the dispatcher and sweeps): a test worker consumes
# them all, as production workers do.
ALL_QUEUES = ("celery", "sweeps")


# Waiting --------------------------------------------------------------------------------------


def wait_for(
    condition: Callable[[], T],
    *,
    timeout: float,
    what: str,
    interval: float = 0.1,
    processes: Iterable[CeleryProcess] = (),
) -> T:
    """Poll `condition` until it returns something truthy (which is returned) or `timeout` runs out.

    Fails early if one of `processes` died, and puts their logs in the failure message."""
    processes = tuple(processes)
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        dead = [p for p in processes if not p.alive]
        if dead or time.monotonic() >= deadline:
            logs = "".join(f"\n{p.log_tail()}" for p in processes)
            if dead:
                exits = ", ".join(f"{p.name} exited with {p.returncode}" for p in dead)
                raise AssertionError(f"{exits} while waiting for {what}{logs}")
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}{logs}")
        time.sleep(interval)


# Brokers --------------------------------------------------------------------------------------


@dataclass
class Broker:
    """A broker of one test: where the producer publishes and the subprocesses consume."""

    kind: Literal["filesystem", "redis"]
    url: str
    transport_options: dict[str, object]
    env: dict[str, str]  # what a subprocess running smm.settings_test needs to use it
    queue_dir: Path | None = None  # the file-system transport's message folder

    def connection(self) -> Connection:
        from kombu import Connection

        return Connection(self.url, transport_options=dict(self.transport_options))

    def message_count(self, queue: str = DEFAULT_QUEUE) -> int:
        """Messages waiting in `queue` (not those a worker holds), asked of the broker itself."""
        with self.connection() as conn:
            return conn.default_channel.queue_declare(queue=queue).message_count

    def purge(self, queue: str = DEFAULT_QUEUE) -> int:
        with self.connection() as conn:
            return conn.default_channel.queue_purge(queue) or 0


@contextmanager
def isolated_broker(
    kind: Literal["filesystem", "redis"], tmp_path: Path, *, redis_url: str | None = None
) -> Iterator[Broker]:
    """A broker nobody else uses; while open, `smm.celery.app` publishes into it.

    filesystem: Kombu's file-system transport under `tmp_path` (the subprocesses get
    SMM_VAR_DIR=tmp_path, so smm.settings derives the same folders, and REDIS_URL="" so it picks
    that transport even when the run has Redis). redis: the run's REDIS_URL (or `redis_url`)
    under a key prefix of its own, deleted again on exit."""
    if kind == "filesystem":
        broker = _filesystem_broker(tmp_path)
    else:
        url = redis_url or settings.REDIS_URL
        if not url:
            raise RuntimeError("isolated_broker('redis') needs REDIS_URL")
        broker = _redis_broker(url)
    _delete_redis_keys(broker)
    try:
        with _producer_uses(broker):
            yield broker
    finally:
        _delete_redis_keys(broker)


def _filesystem_broker(var_dir: Path) -> Broker:
    # The same folders smm.settings makes of SMM_VAR_DIR.
    broker_dir = var_dir / "celery-broker"
    folders = {name: broker_dir / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return Broker(
        kind="filesystem",
        url="filesystem://",
        transport_options={
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "processed_folder": str(folders["processed"]),
            "control_folder": str(folders["control"]),
            "store_processed": False,
        },
        env={"REDIS_URL": "", "SMM_VAR_DIR": str(var_dir)},
        queue_dir=folders["queue"],
    )


def _redis_broker(url: str) -> Broker:
    prefix = f"ripple-test-{uuid.uuid4().hex[:12]}:"
    return Broker(
        kind="redis",
        url=url,
        transport_options={
            **(settings.CELERY_BROKER_TRANSPORT_OPTIONS if settings.REDIS_URL else {}),
            "global_keyprefix": prefix,
        },
        env={"REDIS_URL": url, "SMM_BROKER_KEY_PREFIX": prefix},
    )


def _delete_redis_keys(broker: Broker) -> None:
    if broker.kind != "redis":
        return
    import redis

    prefix = str(broker.transport_options["global_keyprefix"])
    client = redis.Redis.from_url(broker.url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@contextmanager
def _producer_uses(broker: Broker) -> Iterator[None]:
    """Point the app's broker connection and producer pools at `broker`, then back.

    The pools are private to this block: Kombu's global pool registry would keep (and share)
    them."""
    from kombu.pools import ProducerPool

    from smm.celery import app

    if os.environ.get("CELERY_BROKER_URL"):
        raise RuntimeError("CELERY_BROKER_URL in the environment overrides every broker setting")
    keys = ("broker_url", "broker_write_url", "broker_transport_options")
    saved = {key: app.conf.get(key) for key in keys}
    app.conf.update(
        broker_url=broker.url,
        broker_write_url=None,
        broker_transport_options=dict(broker.transport_options),
    )
    connections = app.connection_for_write().Pool(limit=app.conf.broker_pool_limit)
    producers = ProducerPool(connections, limit=connections.limit)
    saved_pools = (app._pool, app.amqp._producer_pool)
    app._pool, app.amqp._producer_pool = connections, producers
    try:
        yield
    finally:
        app._pool, app.amqp._producer_pool = saved_pools
        app.conf.update(saved)
        producers.force_close_all()
        connections.force_close_all()


# Processes ------------------------------------------------------------------------------------


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    from django.db import connection

    db = connection.settings_dict
    name = str(db["NAME"])
    if connection.vendor == "sqlite":
        if name == ":memory:" or "mode=memory" in name:
            raise RuntimeError("a Celery subprocess cannot share an in-memory SQLite database")
        return f"sqlite:///{Path(name).resolve()}"
    if connection.vendor == "postgresql":
        auth = quote(db.get("USER") or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = quote(db.get("HOST") or "", safe="")
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(name, safe='')}"
    raise RuntimeError(f"no DATABASE_URL for a {connection.vendor} test database")


@dataclass
class CeleryProcess:
    """A `celery -A smm ...` subprocess in its own process group, output in `log_path`."""

    name: str  # the worker's node name (celery@host form), or "beat"
    popen: subprocess.Popen[bytes]
    log_path: Path
    _log_file: IO[bytes] | None = field(repr=False, default=None)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 60) -> str:
        tail = "\n".join(self.log().splitlines()[-lines:])
        return f"--- last lines of {self.log_path} ---\n{tail}"

    def kill(self) -> None:
        """SIGKILL the whole process group now (the worker and any pool children): a crash."""
        self._signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (Celery's warm shutdown), then SIGKILL if it has not exited by `timeout`."""
        if self.alive:
            self._signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._signal(signal.SIGKILL)  # anything left in the group (orphaned pool children)
        if self._log_file is not None:
            self._log_file.close()

    def _signal(self, sig: signal.Signals) -> None:
        with suppress(ProcessLookupError):  # the group is gone already
            os.killpg(self.popen.pid, sig)


def _subprocess_env(broker: Broker, extra: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CELERY_BROKER_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="smm.settings_test",
        DATABASE_URL=database_url(),
        # SMM_VAR_DIR may move for the broker; uploads stay where this process keeps them.
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        SMM_TEST_MEDIA_ROOT=str(settings.MEDIA_ROOT),  # smm.settings_test reads this one
        PYTHONUNBUFFERED="1",
    )
    env.update(broker.env)
    env.update(extra or {})
    return env


def _spawn(
    args: list[str], *, name: str, broker: Broker, log_dir: Path, env: dict[str, str] | None
) -> CeleryProcess:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name.replace('@', '_')}-{uuid.uuid4().hex[:6]}.log"
    log_file = log_path.open("wb")
    popen = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "smm", *args],
        cwd=settings.BASE_DIR,
        env=_subprocess_env(broker, env),
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stop/kill reach pool children too
    )
    return CeleryProcess(name=name, popen=popen, log_path=log_path, _log_file=log_file)


@contextmanager
def celery_worker(
    broker: Broker,
    *,
    log_dir: Path,
    pool: Literal["solo", "prefork"] = "solo",
    concurrency: int = 1,
    queues: tuple[str, ...] = ALL_QUEUES,
    env: dict[str, str] | None = None,
    ready_timeout: float = 30,
    cluster: bool = False,
) -> Iterator[CeleryProcess]:
    """A worker consuming `broker`, yielded once it logged that it is ready; stopped on exit.

    Use it in tests with `transactional_db`: the worker sees committed data only. `cluster`
    keeps gossip, mingle and the event heartbeat on, as in production (each holds a broker
    connection of its own that must survive a broker restart)."""
    nodename = f"test-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    args = [
        "worker",
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        f"--hostname={nodename}",
        f"--queues={','.join(queues)}",
        "--loglevel=info",
    ]
    if not cluster:
        # Cluster chatter a single test worker does not need; mingle alone costs a second.
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    process = _spawn(args, name=nodename, broker=broker, log_dir=log_dir, env=env)
    try:
        wait_for(
            lambda: f"{nodename} ready." in process.log(),
            timeout=ready_timeout,
            what=f"worker {nodename} to be ready",
            processes=[process],
        )
        yield process
    finally:
        process.stop()


@contextmanager
def celery_beat(
    broker: Broker,
    *,
    log_dir: Path,
    env: dict[str, str] | None = None,
    ready_timeout: float = 30,
) -> Iterator[CeleryProcess]:
    """Celery beat (the configured DatabaseScheduler, on the test database) publishing into
    `broker`; yielded once it started; stopped on exit."""
    args = [
        "beat",
        "--loglevel=info",
        f"--schedule={log_dir / 'celerybeat-schedule'}",  # unused by the DatabaseScheduler
        "--pidfile=",
    ]
    process = _spawn(args, name="beat", broker=broker, log_dir=log_dir, env=env)
    try:
        wait_for(
            lambda: "beat: Starting..." in process.log(),
            timeout=ready_timeout,
            what="beat to start",
            processes=[process],
        )
        yield process
    finally:
        process.stop()


# A Redis server of one test ---------------------------------------------------------------------


@dataclass
class RedisServer:
    """A private `redis-server` on 127.0.0.1 (no persistence), which a test may crash and
    restart on the same port: what was in it is gone, as after a real Redis crash."""

    port: int
    workdir: Path
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> None:
        import redis

        if self.popen is not None and self.popen.poll() is None:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.workdir / "redis.log"
        self.popen = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                str(log),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def answers() -> bool:
            client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False
            finally:
                client.close()

        deadline = time.monotonic() + timeout
        while not answers():
            if self.popen.poll() is not None or time.monotonic() >= deadline:
                text = log.read_text(errors="replace") if log.exists() else ""
                self.kill()
                raise RuntimeError(f"redis-server on port {self.port} did not start\n{text}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: a crash; everything in it is lost (no persistence)."""
        if self.popen is not None:
            with suppress(ProcessLookupError):
                self.popen.kill()
            self.popen.wait(timeout=10)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    """A private redis-server for the block (random port, no persistence); killed on exit."""
    server = RedisServer(port=free_port(), workdir=workdir)
    server.start()
    try:
        yield server
    finally:
        server.kill()
