"""Helpers of the publishing engine tests (no tests here): a Mastodon channel answered by
`responses` with recorded bodies shaped like Mastodon's documented entities, posts due on it, and
a recorder of the Celery tasks the engine sends."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from channels_app.models import Channel
from content.models import Post, PostTarget, PublishAttempt
from smm.models import User, Workspace
from tests.factories import ChannelFactory

HOST = "https://social.example"
API = f"{HOST}/api"
STATUSES = f"{API}/v1/statuses"
MEDIA = f"{API}/v2/media"
VERIFY = f"{API}/v1/accounts/verify_credentials"
ACCOUNT_ID = "109384"
ACCOUNT_STATUSES = f"{API}/v1/accounts/{ACCOUNT_ID}/statuses"
TOKEN = "masto-access-token-SECRET-7f3a"
FIXTURES = Path(__file__).parents[1] / "channels_app" / "adapters" / "fixtures" / "mastodon"
SPEC = "mastodon.openapi.json"

S = PostTarget.Status


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def status_body(
    *, status_id: str, content_html: str, created_at: str, in_reply_to: str | None = None
) -> dict[str, Any]:
    """A Status entity (the recorded `status_created`) with another id, content and time."""
    body = copy.deepcopy(fixture("status_created"))
    body["id"] = status_id
    body["uri"] = f"{HOST}/users/tulip/statuses/{status_id}"
    body["url"] = f"{HOST}/@tulip/{status_id}"
    body["content"] = content_html
    body["created_at"] = created_at
    body["in_reply_to_id"] = in_reply_to
    body["in_reply_to_account_id"] = ACCOUNT_ID if in_reply_to else None
    return body


def mastodon_channel(workspace: Workspace, **fields: Any) -> Channel:
    """A connected Mastodon account on social.example. Mastodon tokens never expire and have no
    refresh token; no MastodonApp row is needed to publish (only to connect)."""
    values: dict[str, Any] = {
        "workspace": workspace,
        "platform": "mastodon",
        "external_id": ACCOUNT_ID,
        "handle": "@tulip@social.example",
        "display_name": "Tulip Coffee",
        "instance_url": HOST,
        "access_token": TOKEN,
        "refresh_token": "",
        "token_expires_at": None,
        "token_renews": False,
        "scopes": ["read:accounts", "read:statuses", "write:statuses", "write:media"],
    }
    values.update(fields)
    return ChannelFactory(**values)


def due_post(
    workspace: Workspace,
    channels: list[Channel],
    *,
    at: datetime | None,
    author: User | None = None,
    text: str = "Fresh beans are in!",
    target_status: str = S.SCHEDULED,
    post_status: str = Post.Status.SCHEDULED,
    **fields: Any,
) -> Post:
    """A post at `at` with one target per channel in `target_status`."""
    post = Post.objects.create(
        workspace=workspace,
        author=author,
        status=post_status,
        text=text,
        scheduled_at=at,
        **fields,
    )
    for channel in channels:
        PostTarget.objects.create(
            workspace=workspace, post=post, channel=channel, status=target_status, scheduled_at=at
        )
    return post


@dataclass
class Sent:
    """The Celery tasks the engine sent: (task name, target id, options)."""

    calls: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)

    def ids(self, name: str) -> list[int]:
        return [pk for task, pk, _ in self.calls if task == name]

    @property
    def publish(self) -> list[int]:
        return self.ids("content.publish_target")

    @property
    def reconcile(self) -> list[int]:
        return self.ids("content.reconcile_target")

    def clear(self) -> None:
        self.calls.clear()


def record_tasks(monkeypatch: pytest.MonkeyPatch) -> Sent:
    """Record the tasks the engine sends (services send them by name, through the Celery app)
    instead of reaching a broker (each test module's `sent` fixture)."""
    from smm.celery import app

    record = Sent()

    def send_task(name: str, args: tuple = (), kwargs: dict | None = None, **options: Any) -> None:
        options.pop("ignore_result", None)
        record.calls.append((name, args[0], options))

    monkeypatch.setattr(app, "send_task", send_task)
    return record


def assert_no_secret(*secrets: str) -> None:
    """No token ever lands in an attempt's detail or a target's last error."""
    for secret in secrets:
        assert not PublishAttempt.objects.filter(detail__contains=secret).exists()
        assert not PostTarget.objects.filter(last_error__contains=secret).exists()
        assert not PostTarget.objects.filter(first_comment_error__contains=secret).exists()
