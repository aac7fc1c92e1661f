"""The refresh sweep hands each due channel to the broker once; beat has the entries."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from channels_app.models import Channel
from channels_app.tasks import tokens_refresh_due
from smm.celery import app
from tests.factories import ChannelFactory
from tests.workers import Broker, isolated_broker


@pytest.fixture(params=["filesystem", pytest.param("redis", marks=pytest.mark.redis)])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Broker]:
    with isolated_broker(request.param, tmp_path) as broker:
        yield broker


def _queued_tasks(broker: Broker) -> list[tuple[str, list]]:
    found = []
    with broker.connection() as conn:
        queue = conn.SimpleQueue("celery")
        try:
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                body = message.body if isinstance(message.body, list) else json.loads(message.body)
                found.append((message.headers["task"], body[0]))
                message.ack()
        finally:
            queue.close()
    return found


def test_the_sweep_enqueues_one_refresh_per_due_channel(
    transactional_db: None, broker: Broker, workspace
) -> None:
    now = timezone.now()
    due = ChannelFactory(workspace=workspace, refresh_due_at=now - dt.timedelta(minutes=1))
    ChannelFactory(workspace=workspace, refresh_due_at=now + dt.timedelta(hours=1))
    ChannelFactory(
        workspace=workspace,
        refresh_due_at=now - dt.timedelta(minutes=1),
        status=Channel.Status.NEEDS_RECONNECT,
    )
    tokens_refresh_due()
    tokens_refresh_due()  # the second sweep finds the first one's lease
    assert _queued_tasks(broker) == [("channels.channel_token_refresh", [due.pk])]


def test_beat_has_the_refresh_and_profile_entries() -> None:
    schedule = app.conf.beat_schedule
    assert schedule["channels.tokens_refresh_due"]["task"] == "channels.tokens_refresh_due"
    assert schedule["channels.profiles_refresh"]["options"]["expire_seconds"] == 3600
