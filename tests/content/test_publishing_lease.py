"""The publishing lease (issue 13): the worker renews it while the platform call runs, only an
expired lease (or the hard ceiling) makes the outcome unknown; results that arrive after the
target was settled or taken over are recorded on the attempt, and a late success with another
id raises a possible duplicate; a database error after the claim releases the target at once.
The platform is Mastodon answered by `responses` (recorded Status entities)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from django.db import OperationalError, connection

from channels_app.models import Channel
from content.models import Post, PostTarget, PublishAttempt
from content.services import publishing
from content.services.publishing.lease import publish_ceiling
from smm.models import User, Workspace
from tests.content.test_publishing_factories import (
    STATUSES,
    S,
    Sent,
    due_post,
    fixture,
    mastodon_channel,
    record_tasks,
    status_body,
)

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
Outcome = PublishAttempt.Outcome


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    return record_tasks(monkeypatch)


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> None:
    settings.SMM_PUBLISH_REQUEUE_AFTER = 60
    settings.SMM_PUBLISH_STALE_AFTER = 30  # the lease


@pytest.fixture
def channel(workspace: Workspace, alice: User) -> Channel:
    return mastodon_channel(workspace)


def queued_target(workspace: Workspace, channel: Channel, at: datetime) -> PostTarget:
    target = due_post(workspace, [channel], at=at - timedelta(minutes=1)).targets.get()
    PostTarget.objects.filter(pk=target.pk).update(status=S.QUEUED, queued_at=at)
    target.refresh_from_db()
    return target


def publishing_target(
    workspace: Workspace, channel: Channel, *, started: datetime, lease: datetime | None
) -> PostTarget:
    """A target a worker claimed at `started` (and called the platform: its attempt row is
    there), with its lease running until `lease`."""
    target = due_post(workspace, [channel], at=started - timedelta(minutes=1)).targets.get()
    PostTarget.objects.filter(pk=target.pk).update(
        status=S.PUBLISHING,
        publishing_started_at=started,
        attempts=1,
        lease_owner="celery@w1:1:abc",
        lease_expires_at=lease,
    )
    PublishAttempt.objects.create(
        workspace=workspace, target=target, number=1, started_at=started, worker="celery@w1"
    )
    return target


def dispatch(callbacks: Any) -> publishing.DispatchResult:
    with callbacks(execute=True):
        return publishing.dispatch_due_all_workspaces()


def created(status_id: str) -> dict[str, Any]:
    return status_body(
        status_id=status_id,
        content_html="<p>Fresh beans are in!</p>",
        created_at="2026-11-29T10:00:01.000Z",
    )


# The lease ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_the_lease_is_renewed_while_the_platform_call_runs(
    workspace, channel, settings, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    settings.SMM_PUBLISH_STALE_AFTER = 1  # renewed every 1/3 s
    now = datetime.now(tz=UTC)
    target = queued_target(workspace, channel, now)
    seen: list[datetime | None] = []

    def slow_upload(request: Any) -> tuple[int, dict[str, str], str]:
        # One long call that reports no step: only the background thread keeps the lease.
        for _ in range(3):
            seen.append(PostTarget.objects.values_list("lease_expires_at", flat=True).get())
            time.sleep(0.8)
        seen.append(PostTarget.objects.values_list("lease_expires_at", flat=True).get())

        return 200, {}, json.dumps(created("111"))

    responses.add_callback(responses.POST, STATUSES, callback=slow_upload)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = publishing.publish_target(target_id=target.pk, worker="celery@w1")

    assert outcome == "published"
    assert all(lease is not None for lease in seen)
    leases = [lease for lease in seen if lease is not None]
    assert leases == sorted(leases) and leases[-1] > leases[0] + timedelta(seconds=1.5)
    # Past the first lease's end the target was still its worker's: the sweep would leave it.
    assert leases[-1] > now + timedelta(seconds=2)
    target.refresh_from_db()
    assert (target.status, target.external_id, target.lease_expires_at) == (
        S.PUBLISHED,
        "111",
        None,
    )


@pytest.mark.django_db
def test_only_an_expired_lease_makes_the_outcome_unknown(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    time_machine.move_to(NOW, tick=False)
    # A slow publish whose worker renews: started an hour ago, lease runs 10 s more.
    slow = publishing_target(
        workspace, channel, started=NOW - timedelta(hours=1), lease=NOW + timedelta(seconds=10)
    )
    # A worker that died (SIGKILL): its lease ran out a second ago.
    dead = publishing_target(
        workspace,
        channel,
        started=NOW - timedelta(seconds=40),
        lease=NOW - timedelta(seconds=1),
    )

    result = dispatch(django_capture_on_commit_callbacks)

    assert result.stale == [dead.pk] and sent.reconcile == [dead.pk] and sent.publish == []
    dead.refresh_from_db()
    assert (dead.status, dead.hold_reason, dead.lease_owner) == (
        S.NEEDS_ATTENTION,
        publishing.HOLD_UNKNOWN,
        "",
    )
    assert PublishAttempt.objects.get(target=dead).outcome == Outcome.UNKNOWN
    slow.refresh_from_db()
    assert slow.status == S.PUBLISHING
    assert PublishAttempt.objects.get(target=slow).finished_at is None


@pytest.mark.django_db
def test_a_live_lease_past_the_hard_ceiling_is_given_up_on(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    time_machine.move_to(NOW, tick=False)
    ceiling = publish_ceiling()
    # Longer than any call an adapter can make (uploads with their timeouts, polls).
    assert ceiling > timedelta(seconds=10 * 305)
    hung = publishing_target(
        workspace,
        channel,
        started=NOW - ceiling - timedelta(seconds=1),
        lease=NOW + timedelta(seconds=10),
    )
    within = publishing_target(
        workspace,
        channel,
        started=NOW - ceiling + timedelta(seconds=1),
        lease=NOW + timedelta(seconds=10),
    )

    result = dispatch(django_capture_on_commit_callbacks)

    assert result.stale == [hung.pk]
    within.refresh_from_db()
    assert within.status == S.PUBLISHING


@pytest.mark.django_db
def test_an_expired_lease_without_a_platform_call_goes_back_to_the_queue(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    time_machine.move_to(NOW, tick=False)
    target = publishing_target(
        workspace, channel, started=NOW - timedelta(seconds=5), lease=NOW - timedelta(seconds=1)
    )
    PublishAttempt.objects.filter(target=target).delete()  # died before its attempt row

    result = dispatch(django_capture_on_commit_callbacks)

    assert (result.stale, result.requeued, sent.publish) == ([], [target.pk], [target.pk])
    target.refresh_from_db()
    assert (target.status, target.lease_owner) == (S.QUEUED, "")


# Late results ---------------------------------------------------------------------------------


def _taken_over(target: PostTarget, **fields: Any) -> None:
    """What the sweep and another attempt did while this worker's call was still running."""
    PostTarget.objects.filter(pk=target.pk).update(lease_owner="celery@w2:2:def", **fields)


@pytest.mark.django_db
@responses.activate
def test_a_late_success_with_another_id_is_recorded_as_a_possible_duplicate(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    time_machine.move_to(NOW, tick=False)
    target = queued_target(workspace, channel, NOW)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        # Meanwhile the target was taken over, sent again and published as 999.
        _taken_over(
            target,
            status=S.PUBLISHED,
            external_id="999",
            external_url="https://social.example/@tulip/999",
        )

        return 200, {}, json.dumps(created("111"))

    responses.add_callback(responses.POST, STATUSES, callback=answer)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = publishing.publish_target(target_id=target.pk, worker="celery@w1")

    assert outcome == "late"
    attempt = PublishAttempt.objects.get(target=target)
    assert (attempt.outcome, attempt.external_id, attempt.external_url) == (
        Outcome.LATE_SUCCESS,
        "111",
        "https://social.example/@tulip/111",
    )
    target.refresh_from_db()
    assert (target.status, target.external_id) == (S.PUBLISHED, "999")
    assert target.has_possible_duplicate
    assert (target.duplicate_external_id, target.duplicate_url) == (
        "111",
        "https://social.example/@tulip/111",
    )


@pytest.mark.django_db
@responses.activate
def test_a_late_success_with_the_same_id_is_recorded_without_a_duplicate(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    time_machine.move_to(NOW, tick=False)
    target = queued_target(workspace, channel, NOW)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        _taken_over(target, status=S.PUBLISHED, external_id="111")  # found by the lookup

        return 200, {}, json.dumps(created("111"))

    responses.add_callback(responses.POST, STATUSES, callback=answer)

    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publish_target(target_id=target.pk, worker="celery@w1") == "late"

    assert PublishAttempt.objects.get(target=target).outcome == Outcome.LATE_SUCCESS
    target.refresh_from_db()
    assert not target.has_possible_duplicate and target.duplicate_external_id == ""


@pytest.mark.django_db
@responses.activate
def test_a_late_success_after_the_target_was_taken_as_unknown_publishes_it(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    time_machine.move_to(NOW, tick=False)
    target = queued_target(workspace, channel, NOW)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        PostTarget.objects.filter(pk=target.pk).update(
            status=S.NEEDS_ATTENTION, hold_reason=publishing.HOLD_UNKNOWN, lease_owner=""
        )

        return 200, {}, json.dumps(created("111"))

    responses.add_callback(responses.POST, STATUSES, callback=answer)

    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publish_target(target_id=target.pk, worker="celery@w1") == "published"

    target.refresh_from_db()
    assert (target.status, target.external_id, target.hold_reason) == (S.PUBLISHED, "111", "")
    assert Post.objects.get(pk=target.post_id).status == Post.Status.PUBLISHED


@pytest.mark.django_db
@responses.activate
def test_a_late_success_while_a_resend_waits_publishes_it_and_stops_the_resend(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    time_machine.move_to(NOW, tick=False)
    target = queued_target(workspace, channel, NOW)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        # The lease ran out, the lookup found nothing, and a resend was put on the schedule.
        PostTarget.objects.filter(pk=target.pk).update(
            status=S.SCHEDULED, next_attempt_at=NOW, lease_owner=""
        )
        return 200, {}, json.dumps(created("111"))

    responses.add_callback(responses.POST, STATUSES, callback=answer)

    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publish_target(target_id=target.pk, worker="celery@w1") == "published"

    target.refresh_from_db()
    assert (target.status, target.external_id) == (S.PUBLISHED, "111")
    assert dispatch(django_capture_on_commit_callbacks).queued == []  # nothing is sent again
    assert len(responses.calls) == 1


@pytest.mark.django_db
@responses.activate
def test_a_late_failure_is_recorded_and_changes_nothing(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    time_machine.move_to(NOW, tick=False)
    target = queued_target(workspace, channel, NOW)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        _taken_over(target, status=S.PUBLISHED, external_id="999")

        return 422, {}, json.dumps(fixture("error_422"))

    responses.add_callback(responses.POST, STATUSES, callback=answer)

    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publish_target(target_id=target.pk, worker="celery@w1") == "late"

    attempt = PublishAttempt.objects.get(target=target)
    assert attempt.outcome == Outcome.LATE_FAILURE and "after the target was settled" in (
        attempt.detail
    )
    target.refresh_from_db()
    assert (target.status, target.external_id, target.last_error) == (S.PUBLISHED, "999", "")


# A database error after the claim ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_database_error_after_the_claim_releases_the_target_at_once(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    now = datetime.now(tz=UTC)
    target = queued_target(workspace, channel, now)
    responses.post(STATUSES, json=created("111"))
    failed: list[str] = []

    def attempt_insert_fails(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if sql.startswith('INSERT INTO "content_publishattempt"') and not failed:
            failed.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(attempt_insert_fails):
        outcome = publishing.publish_target(target_id=target.pk, worker="celery@w1")

    assert outcome == "released" and failed
    assert len(responses.calls) == 0  # nothing was sent
    target.refresh_from_db()
    assert (target.status, target.lease_owner, target.lease_expires_at) == (S.SCHEDULED, "", None)
    assert target.next_attempt_at is not None and target.next_attempt_at <= datetime.now(tz=UTC)
    assert not PublishAttempt.objects.filter(target=target, finished_at__isnull=True).exists()

    # The next dispatch (seconds later, not after a stale limit) claims it, and it goes out once.
    assert dispatch(django_capture_on_commit_callbacks).queued == [target.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publish_target(target_id=target.pk, worker="celery@w1") == "published"
    assert len(responses.calls) == 1
