"""The heartbeat's status: stale when no worker reported within SMM_HEARTBEAT_STALE_AFTER, the lag
between beat sending it and a worker running it, and who sees the stale banner and status page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from smm.models import Role, User, Workspace
from smm.selectors import heartbeat_status
from smm.services import heartbeat_record
from tests.factories import member

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STALE_AFTER = 180


@pytest.fixture(autouse=True)
def _stale_after(settings) -> None:
    settings.SMM_HEARTBEAT_STALE_AFTER = STALE_AFTER


def _record_at(received_at: datetime, *, lag: timedelta = timedelta(seconds=2)) -> None:
    with time_machine.travel(received_at, tick=False):
        heartbeat_record(sent_at=received_at - lag, worker="celery@worker-1")


def test_never_seen_is_stale(db: None) -> None:
    status = heartbeat_status()
    assert not status.seen
    assert status.is_stale
    assert status.age is None
    assert status.lag is None
    assert status.worker == ""


def test_fresh_heartbeat_is_not_stale_and_has_its_lag(db: None) -> None:
    _record_at(T0, lag=timedelta(seconds=3))
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        status = heartbeat_status()
        assert status.seen
        assert not status.is_stale  # age and staleness count from now, when asked
        assert status.age == timedelta(seconds=10)
    assert status.lag == timedelta(seconds=3)
    assert status.sent_at == T0 - timedelta(seconds=3)
    assert status.received_at == T0
    assert status.worker == "celery@worker-1"


@pytest.mark.parametrize(
    "after,stale",
    [
        (timedelta(seconds=STALE_AFTER - 1), False),
        (timedelta(seconds=STALE_AFTER), False),  # stale only when older than the limit
        (timedelta(seconds=STALE_AFTER, microseconds=1), True),
        (timedelta(hours=5), True),
    ],
)
def test_heartbeat_goes_stale_after_the_setting(db: None, after: timedelta, stale: bool) -> None:
    _record_at(T0)
    with time_machine.travel(T0 + after, tick=False):
        assert heartbeat_status().is_stale is stale


def test_stale_after_follows_the_setting(db: None, settings) -> None:
    settings.SMM_HEARTBEAT_STALE_AFTER = 30
    _record_at(T0)
    with time_machine.travel(T0 + timedelta(seconds=31), tick=False):
        status = heartbeat_status()
        assert status.stale_after == timedelta(seconds=30)
        assert status.is_stale


def test_a_new_record_replaces_the_old_one(db: None) -> None:
    _record_at(T0 - timedelta(hours=1), lag=timedelta(seconds=40))
    _record_at(T0, lag=timedelta(seconds=1))
    with time_machine.travel(T0, tick=False):
        status = heartbeat_status()
        assert not status.is_stale
    assert status.received_at == T0
    assert status.lag == timedelta(seconds=1)


def test_lag_is_unknown_without_sent_at_and_never_negative(db: None) -> None:
    with time_machine.travel(T0, tick=False):
        heartbeat_record(sent_at=None, worker="celery@worker-1")  # a message without the stamp
        assert heartbeat_status().lag is None
        # The sender's clock ahead of the worker's: no negative lag.
        heartbeat_record(sent_at=T0 + timedelta(seconds=5), worker="celery@worker-1")
        assert heartbeat_status().lag == timedelta(0)


# Who sees it -----------------------------------------------------------------------------------

PAGES = ["smm:workspace_home", "smm:member_list"]
BANNER = b'id="heartbeat-stale"'


def _page(client, user: User, workspace: Workspace, name: str, at: datetime) -> bytes:
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        response = client.get(reverse(name, args=[workspace.slug]))
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
@pytest.mark.parametrize("page", PAGES)
def test_admins_see_the_banner_when_no_worker_ever_reported(client, workspace, role, page) -> None:
    user = member(workspace, role)
    content = _page(client, user, workspace, page, T0)
    assert BANNER in content
    assert b"have not reported yet" in content
    assert reverse("smm:system_status", args=[workspace.slug]).encode() in content


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
@pytest.mark.parametrize("page", PAGES)
def test_admins_see_the_banner_when_the_heartbeat_is_stale(client, workspace, role, page) -> None:
    user = member(workspace, role)
    _record_at(T0)
    content = _page(client, user, workspace, page, T0 + timedelta(seconds=STALE_AFTER + 60))
    assert BANNER in content
    assert b"last reported 4\xc2\xa0minutes ago" in content


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
@pytest.mark.parametrize("page", PAGES)
def test_no_banner_when_the_heartbeat_is_fresh(client, workspace, role, page) -> None:
    user = member(workspace, role)
    _record_at(T0)
    content = _page(client, user, workspace, page, T0 + timedelta(seconds=STALE_AFTER - 1))
    assert BANNER not in content


@pytest.mark.parametrize("role", [Role.EDITOR, Role.CONTRIBUTOR, Role.VIEWER])
@pytest.mark.parametrize("page", PAGES)
def test_non_admins_never_see_the_banner(client, workspace, role, page) -> None:
    user = member(workspace, role)
    _record_at(T0)
    content = _page(client, user, workspace, page, T0 + timedelta(hours=5))
    assert BANNER not in content
    assert b"Background workers" not in content


def test_owner_home_shows_the_worker_status_when_fresh(client, alice, workspace) -> None:
    _record_at(T0)
    content = _page(client, alice, workspace, "smm:workspace_home", T0 + timedelta(seconds=60))
    assert b"Background workers" in content
    assert b'class="status good"' in content


# The system status page ------------------------------------------------------------------------


def test_system_status_is_forbidden_for_an_editor(client, bob, workspace) -> None:
    client.force_login(bob)
    response = client.get(reverse("smm:system_status", args=[workspace.slug]))
    assert response.status_code == 403


def test_system_status_is_404_for_an_outsider(client, mallory, workspace) -> None:
    client.force_login(mallory)
    response = client.get(reverse("smm:system_status", args=[workspace.slug]))
    assert response.status_code == 404


def test_system_status_shows_the_last_heartbeat_to_an_admin(client, workspace) -> None:
    admin = member(workspace, Role.ADMIN)
    _record_at(T0)
    content = _page(client, admin, workspace, "smm:system_status", T0 + timedelta(seconds=30))
    assert b'class="status good"' in content
    assert b"celery@worker-1" in content


def test_system_status_says_when_no_worker_reported(client, alice, workspace) -> None:
    content = _page(client, alice, workspace, "smm:system_status", T0)
    assert b"No worker has reported yet." in content
