"""The Bluesky end-to-end layer: a local Bluesky network (PLC, PDS, AppView: Bluesky's own
reference servers, see network.py) for the whole session, fresh accounts per test, and the
suite driven through its own services, dispatcher, Celery worker and adapter.

Every test here is marked `bluesky_network` (deselect with `-m "not bluesky_network"`). Without
npm, or without PostgreSQL for the AppView, the tests skip with the reason, except in CI
(CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import IN_CI
from tests.e2e.bluesky.network import (
    PASSWORD,
    Account,
    NetworkUnavailable,
    RunningNetwork,
    Xrpc,
    install,
    running_network,
)

HERE = Path(__file__).parent
POSTGRES = os.environ.get("RIPPLE_BLUESKY_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.bluesky_network)


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI must run the Bluesky layer, but {reason}", pytrace=False)
    pytest.skip(reason)


def _postgres_reachable() -> str | None:
    try:
        import psycopg2

        psycopg2.connect(f"{POSTGRES}/postgres", connect_timeout=3).close()
    except Exception as exc:
        return f"the AppView needs PostgreSQL at {POSTGRES} ({exc.__class__.__name__})"
    return None


@pytest.fixture(scope="session")
def bluesky_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNetwork]:
    """Bluesky's reference servers on free ports of 127.0.0.1 for this session (installed into
    the cache on first use: about 3 minutes; then about 20 s to start)."""
    if problem := _postgres_reachable():
        _unavailable(problem)
    started = time.monotonic()
    try:
        installation = install()
    except NetworkUnavailable as exc:
        _unavailable(str(exc))
    installed_in = time.monotonic() - started
    run_dir = Path(settings.BASE_DIR) / "var" / "bluesky-network" / f"run-{os.getpid()}"
    run_dir.mkdir(parents=True, exist_ok=True)
    with running_network(installation, run_dir, POSTGRES) as network:
        print(
            f"\nBluesky network: install/cache check {installed_in:.1f} s, "
            f"start {network.started_in:.1f} s; PDS {network.pds}, AppView {network.appview}"
        )
        yield network


@dataclass
class People:
    """Two fresh accounts: `brand` (the one Ripple manages) and `fan` (a follower who reacts)."""

    brand: Account
    fan: Account
    app_password_name: str
    app_password: str


@pytest.fixture
def people(bluesky_network: RunningNetwork) -> People:
    """New accounts per test (the network lives for the session), the brand with an app
    password to connect Ripple with."""
    xrpc = Xrpc(bluesky_network.pds)
    tag = uuid.uuid4().hex[:6]
    brand = Account.create(xrpc, f"tulip{tag}.test")
    fan = Account.create(xrpc, f"fan{tag}.test")
    name, app_password = brand.app_password()
    assert app_password != PASSWORD
    return People(brand, fan, name, app_password)


@pytest.fixture(autouse=True)
def _links_in_emails_open_the_live_server() -> None:
    """No browser here: tests/e2e/conftest.py's live server is not needed (overridden)."""
