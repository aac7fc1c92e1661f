"""content.services.publishing end to end at the service level: the dispatcher's claims, the
publish task's outcomes with the real MastodonAdapter answered by `responses` (recorded bodies
shaped like Mastodon's documented entities), reconciliation, attempts and the post's status.
Time is frozen with time-machine; the Celery tasks the engine sends are recorded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
from urllib3.exceptions import NewConnectionError

from channels_app.adapters import http
from channels_app.adapters.base import TransientError
from channels_app.models import Channel
from content.models import Post, PostTarget, PublishAttempt
from content.services import publishing
from smm.models import Notification
from tests.channels_app.adapters import contract_openapi
from tests.content.test_publishing_factories import (
    ACCOUNT_STATUSES,
    SPEC,
    STATUSES,
    TOKEN,
    VERIFY,
    S,
    Sent,
    assert_no_secret,
    due_post,
    fixture,
    mastodon_channel,
    record_tasks,
    status_body,
)

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    return record_tasks(monkeypatch)


Outcome = PublishAttempt.Outcome

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def _settings(settings) -> None:
    settings.SMM_PUBLISH_REQUEUE_AFTER = 60
    settings.SMM_PUBLISH_STALE_AFTER = 300


@pytest.fixture
def channel(workspace, alice):
    return mastodon_channel(workspace)


def dispatch(django_capture_on_commit_callbacks, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        return publishing.dispatch_due_all_workspaces(**kw)


def publish(target: PostTarget, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        return publishing.publish_target(target_id=target.pk, worker="celery@w1")


def status_posts() -> list:  # type: ignore[type-arg]
    return [c for c in responses.calls if c.request.method == "POST" and c.request.url == STATUSES]


def queued_target(workspace, channel, **fields) -> PostTarget:
    post = due_post(workspace, [channel], at=NOW - timedelta(minutes=1), **fields)
    target = post.targets.get()
    PostTarget.objects.filter(pk=target.pk).update(status=S.QUEUED, queued_at=NOW)
    target.refresh_from_db()
    return target


def check_contract() -> None:
    for call in responses.calls:
        contract_openapi.validate_call(SPEC, call)


# Dispatching --------------------------------------------------------------------------------


def test_dispatch_claims_only_due_scheduled_targets(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    due = due_post(workspace, [channel], at=NOW - timedelta(minutes=1)).targets.get()
    exactly_now = due_post(workspace, [channel], at=NOW).targets.get()
    future = due_post(workspace, [channel], at=NOW + timedelta(minutes=1)).targets.get()
    draft = due_post(
        workspace,
        [channel],
        at=NOW - timedelta(hours=1),
        target_status=S.DRAFT,
        post_status=Post.Status.DRAFT,
    ).targets.get()
    others = [
        due_post(workspace, [channel], at=NOW - timedelta(hours=1), target_status=s).targets.get()
        for s in (S.FAILED, S.PUBLISHED, S.CANCELLED, S.PUBLISHING, S.NEEDS_ATTENTION)
    ]
    waiting = due_post(workspace, [channel], at=NOW - timedelta(hours=1)).targets.get()
    PostTarget.objects.filter(pk=waiting.pk).update(next_attempt_at=NOW + timedelta(seconds=30))
    retry_due = due_post(workspace, [channel], at=NOW + timedelta(days=1)).targets.get()
    PostTarget.objects.filter(pk=retry_due.pk).update(next_attempt_at=NOW - timedelta(seconds=1))

    result = dispatch(django_capture_on_commit_callbacks)

    assert sorted(result.queued) == sorted([due.pk, exactly_now.pk, retry_due.pk])
    assert sorted(sent.publish) == sorted(result.queued)
    for target in (due, exactly_now, retry_due):
        target.refresh_from_db()
        assert target.status == S.QUEUED and target.queued_at == NOW
        assert target.next_attempt_at is None
    for target in (future, draft, waiting, *others):
        before = target.status
        target.refresh_from_db()
        assert target.status == before


def test_dispatch_orders_by_time_and_honours_the_limit(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    third = due_post(workspace, [channel], at=NOW - timedelta(minutes=1)).targets.get()
    first = due_post(workspace, [channel], at=NOW - timedelta(minutes=30)).targets.get()
    second = due_post(workspace, [channel], at=NOW - timedelta(minutes=10)).targets.get()

    result = dispatch(django_capture_on_commit_callbacks, limit=2)
    assert result.queued == [first.pk, second.pk]
    assert sent.publish == [first.pk, second.pk]
    third.refresh_from_db()
    assert third.status == S.SCHEDULED

    sent.clear()
    assert dispatch(django_capture_on_commit_callbacks, limit=2).queued == [third.pk]
    assert sent.publish == [third.pk]


def test_a_claimed_target_is_not_claimed_by_a_second_dispatch(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    target = due_post(workspace, [channel], at=NOW - timedelta(minutes=1)).targets.get()
    assert dispatch(django_capture_on_commit_callbacks).queued == [target.pk]
    second = dispatch(django_capture_on_commit_callbacks)
    assert (second.queued, second.requeued) == ([], [])
    assert sent.publish == [target.pk]


def _publish_queue_holds(monkeypatch: pytest.MonkeyPatch, count: int | None) -> None:
    """What the broker says is waiting in the publish queue (None: it cannot be reached)."""
    from content.services.publishing import dispatch as dispatch_module

    monkeypatch.setattr(dispatch_module, "queue_message_count", lambda queue: count)


@pytest.mark.parametrize("waiting", [3, None])
def test_a_target_stuck_in_queued_is_sent_again_after_the_requeue_delay(
    workspace,
    channel,
    sent: Sent,
    django_capture_on_commit_callbacks,
    time_machine,
    monkeypatch,
    waiting,
) -> None:
    """While the publish queue has a backlog (or the broker cannot tell), a queued target's
    message may still be waiting: it is sent again only after SMM_PUBLISH_REQUEUE_AFTER."""
    _publish_queue_holds(monkeypatch, waiting)
    target = due_post(workspace, [channel], at=NOW - timedelta(minutes=1)).targets.get()
    dispatch(django_capture_on_commit_callbacks)
    assert sent.publish == [target.pk]

    time_machine.move_to(NOW + timedelta(seconds=60), tick=False)
    assert dispatch(django_capture_on_commit_callbacks).requeued == []  # not *older* than 60 s
    time_machine.move_to(NOW + timedelta(seconds=61), tick=False)
    result = dispatch(django_capture_on_commit_callbacks)
    assert result.requeued == [target.pk]
    assert sent.publish == [target.pk, target.pk]
    target.refresh_from_db()
    assert target.status == S.QUEUED
    assert target.queued_at == NOW + timedelta(seconds=61)


def test_a_queued_target_whose_message_is_lost_is_sent_again_within_seconds(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine, monkeypatch
) -> None:
    """The publish queue is empty, so every message sent earlier was taken: a target still queued
    SMM_PUBLISH_LOST_AFTER seconds later lost its message (a killed worker, Redis restarted
    empty) and is sent again, instead of waiting a minute."""
    _publish_queue_holds(monkeypatch, 0)
    target = due_post(workspace, [channel], at=NOW - timedelta(minutes=1)).targets.get()
    dispatch(django_capture_on_commit_callbacks)

    time_machine.move_to(NOW + timedelta(seconds=5), tick=False)
    assert dispatch(django_capture_on_commit_callbacks).requeued == []
    time_machine.move_to(NOW + timedelta(seconds=6), tick=False)
    assert dispatch(django_capture_on_commit_callbacks).requeued == [target.pk]
    assert sent.publish == [target.pk, target.pk]
    # Had the first message arrived after all, the second finds the target claimed or settled
    # and does nothing (no request goes out: the RequestsMock has no answers).
    PostTarget.objects.filter(pk=target.pk).update(status=S.PUBLISHED)
    with responses.RequestsMock():
        assert publish(target, django_capture_on_commit_callbacks) == "skipped"


def test_a_target_publishing_too_long_needs_attention_and_is_looked_up(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    post = due_post(workspace, [channel], at=NOW - timedelta(minutes=10))
    stale = post.targets.get()
    fresh = due_post(workspace, [channel], at=NOW - timedelta(minutes=10)).targets.get()
    for target, started in (
        (stale, NOW - timedelta(seconds=301)),
        (fresh, NOW - timedelta(seconds=299)),
    ):
        PostTarget.objects.filter(pk=target.pk).update(
            status=S.PUBLISHING, publishing_started_at=started, attempts=1
        )
        PublishAttempt.objects.create(
            workspace=workspace, target=target, number=1, started_at=started, worker="celery@dead"
        )

    result = dispatch(django_capture_on_commit_callbacks)

    assert result.stale == [stale.pk]
    assert sent.reconcile == [stale.pk]
    assert sent.publish == []
    stale.refresh_from_db()
    assert (stale.status, stale.hold_reason) == (S.NEEDS_ATTENTION, publishing.HOLD_UNKNOWN)
    attempt = PublishAttempt.objects.get(target=stale)
    assert attempt.outcome == Outcome.UNKNOWN and attempt.finished_at == NOW
    post.refresh_from_db()
    assert post.status == Post.Status.FAILED  # shown as "Needs attention" while it is checked
    fresh.refresh_from_db()
    assert fresh.status == S.PUBLISHING
    assert PublishAttempt.objects.get(target=fresh).finished_at is None


def test_a_stale_target_that_never_called_the_platform_goes_back_to_the_queue(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    target = due_post(workspace, [channel], at=NOW - timedelta(minutes=10)).targets.get()
    # Claimed, then the worker died before its attempt row (made right before the call).
    PostTarget.objects.filter(pk=target.pk).update(
        status=S.PUBLISHING, publishing_started_at=NOW - timedelta(seconds=301), attempts=1
    )

    result = dispatch(django_capture_on_commit_callbacks)

    assert (result.stale, result.requeued) == ([], [target.pk])
    assert (sent.publish, sent.reconcile) == ([target.pk], [])
    target.refresh_from_db()
    assert target.status == S.QUEUED


@responses.activate
def test_a_lost_lookup_is_sent_again_and_failing_lookups_back_off_then_stop(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    target = due_post(
        workspace, [channel], at=NOW - timedelta(minutes=10), author=alice
    ).targets.get()
    PostTarget.objects.filter(pk=target.pk).update(
        status=S.NEEDS_ATTENTION,
        hold_reason=publishing.HOLD_UNKNOWN,
        attempts=1,
        next_attempt_at=NOW + timedelta(seconds=60),  # the lease of a lookup that was sent...
    )
    assert dispatch(django_capture_on_commit_callbacks).stale == []
    assert sent.reconcile == []  # ...and is still within its lease
    time_machine.move_to(NOW + timedelta(seconds=61), tick=False)
    dispatch(django_capture_on_commit_callbacks)
    assert sent.reconcile == [target.pk]  # the lookup was lost: sent again
    dispatch(django_capture_on_commit_callbacks)
    assert sent.reconcile == [target.pk]  # not twice within the new lease

    # The platform is down: each failed lookup waits longer; after six, people decide.
    responses.get(ACCOUNT_STATUSES, status=503)
    waits = []
    for _ in range(publishing.MAX_LOOKUPS):
        outcome = publishing.reconcile_target(target_id=target.pk)
        target.refresh_from_db()
        if target.next_attempt_at:
            waits.append(int((target.next_attempt_at - NOW).total_seconds()) - 61)
    assert outcome == "not_found"
    assert waits == [30, 60, 120, 240, 480]
    assert target.next_attempt_at is None and "could not check" in target.last_error


def test_targets_of_a_disconnected_channel_are_held_then_released(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    Channel.objects.filter(pk=channel.pk).update(status=Channel.Status.NEEDS_RECONNECT)
    post = due_post(workspace, [channel], at=NOW - timedelta(minutes=1), author=alice)
    target = post.targets.get()

    result = dispatch(django_capture_on_commit_callbacks)

    assert (result.queued, result.held) == ([], [target.pk])
    assert sent.publish == []
    target.refresh_from_db()
    assert (target.status, target.hold_reason) == (S.NEEDS_ATTENTION, publishing.HOLD_CHANNEL)
    assert "needs reconnecting" in target.last_error
    attempt = PublishAttempt.objects.get(target=target)
    assert attempt.outcome == Outcome.HELD
    post.refresh_from_db()
    assert post.status == Post.Status.FAILED
    assert Notification.objects.filter(recipient=alice, kind="post.needs_attention").exists()

    # Still disconnected: nothing changes, nobody is told twice.
    again = dispatch(django_capture_on_commit_callbacks)
    assert (again.held, again.released) == ([], [])
    assert Notification.objects.filter(recipient=alice).count() == 1

    Channel.objects.filter(pk=channel.pk).update(status=Channel.Status.ACTIVE)
    result = dispatch(django_capture_on_commit_callbacks)
    assert result.released == [target.pk]
    assert result.queued == [target.pk]  # released as due now, and claimed in the same sweep
    assert sent.publish == [target.pk]
    target.refresh_from_db()
    assert (target.status, target.hold_reason, target.last_error) == (S.QUEUED, "", "")


def test_releasing_puts_a_held_target_back_on_the_schedule(workspace, channel) -> None:
    target = due_post(
        workspace, [channel], at=NOW - timedelta(minutes=1), target_status=S.NEEDS_ATTENTION
    ).targets.get()
    PostTarget.objects.filter(pk=target.pk).update(hold_reason=publishing.HOLD_CHANNEL)
    unknown = due_post(
        workspace, [channel], at=NOW - timedelta(minutes=1), target_status=S.NEEDS_ATTENTION
    ).targets.get()
    PostTarget.objects.filter(pk=unknown.pk).update(hold_reason=publishing.HOLD_UNKNOWN)
    assert publishing.release_channel_holds() == [target.pk]
    target.refresh_from_db()
    assert (target.status, target.next_attempt_at) == (S.SCHEDULED, NOW)
    unknown.refresh_from_db()
    assert unknown.status == S.NEEDS_ATTENTION  # an unknown outcome is never re-sent blindly


# Publishing: success ------------------------------------------------------------------------


@responses.activate
def test_publish_records_the_status_and_sends_the_idempotency_key(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    responses.post(STATUSES, json=fixture("status_created"))
    target = queued_target(workspace, channel, link="https://tulip.example/beans")

    assert publish(target, django_capture_on_commit_callbacks) == "published"

    [call] = responses.calls
    assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
    target.refresh_from_db()
    assert target.publish_key.startswith(f"ripple-{target.pk}-")
    assert call.request.headers["Idempotency-Key"] == target.publish_key
    assert json.loads(call.request.body) == {
        "status": "Fresh beans are in!\n\nhttps://tulip.example/beans",
        "language": "en",
    }
    check_contract()
    assert target.status == S.PUBLISHED
    assert target.external_id == "113555000000000001"
    assert target.external_url == "https://social.example/@tulip/113555000000000001"
    assert target.published_at == NOW
    assert target.attempts == 1 and target.last_error == ""
    [attempt] = PublishAttempt.objects.filter(target=target)
    assert (attempt.number, attempt.outcome, attempt.worker) == (1, Outcome.PUBLISHED, "celery@w1")
    assert attempt.started_at == NOW and attempt.finished_at == NOW
    assert attempt.duration_ms is not None and attempt.duration_ms >= 0
    assert "113555000000000001" in attempt.detail
    target.post.refresh_from_db()
    assert target.post.status == Post.Status.PUBLISHED
    channel.refresh_from_db()
    assert channel.last_success_at == NOW
    assert sent.calls == []
    assert_no_secret(TOKEN)


@responses.activate
def test_publish_key_is_kept_across_attempts(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    responses.post(STATUSES, status=429, json=fixture("error_429"), headers={"Retry-After": "1"})
    responses.post(STATUSES, json=fixture("status_created"))
    target = queued_target(workspace, channel)
    assert publish(target, django_capture_on_commit_callbacks) == "retry"
    PostTarget.objects.filter(pk=target.pk).update(status=S.QUEUED)
    assert publish(target, django_capture_on_commit_callbacks) == "published"
    keys = {c.request.headers["Idempotency-Key"] for c in responses.calls}
    target.refresh_from_db()
    assert keys == {target.publish_key}


@responses.activate
def test_first_comment_is_posted_as_a_reply(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    responses.post(STATUSES, json=fixture("status_created"))
    responses.post(STATUSES, json=fixture("status_first_comment"))
    target = queued_target(workspace, channel, first_comment="Shop link in bio")

    assert publish(target, django_capture_on_commit_callbacks) == "published"

    target.refresh_from_db()
    assert target.first_comment_id == "113555000000000002"
    assert target.first_comment_error == ""
    reply = responses.calls[1].request
    assert json.loads(reply.body) == {
        "status": "Shop link in bio",
        "in_reply_to_id": "113555000000000001",
    }
    assert reply.headers["Idempotency-Key"] == f"{target.publish_key}:first-comment"
    check_contract()


@responses.activate
def test_a_failed_first_comment_keeps_the_post_published(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    responses.post(STATUSES, json=fixture("status_created"))
    responses.post(STATUSES, status=422, json=fixture("error_422"))
    target = queued_target(workspace, channel, first_comment="Shop link in bio")

    assert publish(target, django_capture_on_commit_callbacks) == "published"

    target.refresh_from_db()
    assert target.status == S.PUBLISHED and target.external_id == "113555000000000001"
    assert target.first_comment_id == ""
    assert target.first_comment_error == "Validation failed: Text character limit of 500 exceeded"
    attempt = PublishAttempt.objects.get(target=target)
    assert attempt.outcome == Outcome.PUBLISHED
    assert "first comment failed" in attempt.detail
    target.post.refresh_from_db()
    assert target.post.status == Post.Status.PUBLISHED
    assert len(status_posts()) == 2  # the post once, the comment once: nothing re-sent


@pytest.mark.parametrize(
    "status", [S.SCHEDULED, S.PUBLISHING, S.PUBLISHED, S.FAILED, S.NEEDS_ATTENTION, S.CANCELLED]
)
@responses.activate
def test_publish_does_nothing_for_a_target_that_is_not_queued(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, status: str
) -> None:
    target = due_post(
        workspace, [channel], at=NOW - timedelta(minutes=1), target_status=status
    ).targets.get()

    assert publish(target, django_capture_on_commit_callbacks) == "skipped"

    assert len(responses.calls) == 0
    assert not PublishAttempt.objects.exists()
    assert sent.calls == []
    target.refresh_from_db()
    assert target.status == status and target.attempts == 0


@responses.activate
def test_a_second_publish_of_the_same_target_does_nothing(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    responses.post(STATUSES, json=fixture("status_created"))
    target = queued_target(workspace, channel)
    assert publish(target, django_capture_on_commit_callbacks) == "published"
    assert publish(target, django_capture_on_commit_callbacks) == "skipped"
    assert len(status_posts()) == 1


# Publishing: retries --------------------------------------------------------------------------


@responses.activate
def test_rate_limit_waits_for_retry_after(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    responses.post(
        STATUSES,
        status=429,
        json=fixture("error_429"),
        headers={"Retry-After": "120", "X-RateLimit-Remaining": "0"},
    )
    target = queued_target(workspace, channel)

    assert publish(target, django_capture_on_commit_callbacks) == "retry"

    target.refresh_from_db()
    assert target.status == S.SCHEDULED
    assert target.next_attempt_at == NOW + timedelta(seconds=120)
    attempt = PublishAttempt.objects.get(target=target)
    assert attempt.outcome == Outcome.RATE_LIMITED and "120 s" in attempt.detail
    assert sent.calls == []

    time_machine.move_to(NOW + timedelta(seconds=119), tick=False)
    assert dispatch(django_capture_on_commit_callbacks).queued == []
    time_machine.move_to(NOW + timedelta(seconds=120), tick=False)
    assert dispatch(django_capture_on_commit_callbacks).queued == [target.pk]


def _refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")
    return requests.ConnectionError(reason)


@responses.activate
def test_connection_refused_is_not_sent() -> None:
    responses.post(STATUSES, body=_refused())
    with pytest.raises(TransientError) as err:
        http.send(http.new_session(), "POST", STATUSES, json={})
    assert err.value.sent is False


@responses.activate
def test_connection_refused_retries_with_backoff_then_fails(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    responses.post(STATUSES, body=_refused())
    post = due_post(workspace, [channel], at=NOW - timedelta(minutes=1), author=alice)
    target = post.targets.get()
    now = NOW
    for attempt, delay in enumerate((30, 60, 120, 240), start=1):
        assert dispatch(django_capture_on_commit_callbacks).queued == [target.pk]
        assert publish(target, django_capture_on_commit_callbacks) == "retry"
        target.refresh_from_db()
        assert (target.status, target.attempts) == (S.SCHEDULED, attempt)
        assert target.next_attempt_at == now + timedelta(seconds=delay)
        now = target.next_attempt_at
        time_machine.move_to(now - timedelta(seconds=1), tick=False)
        assert dispatch(django_capture_on_commit_callbacks).queued == []
        time_machine.move_to(now, tick=False)

    assert dispatch(django_capture_on_commit_callbacks).queued == [target.pk]
    assert publish(target, django_capture_on_commit_callbacks) == "failed"

    target.refresh_from_db()
    assert (target.status, target.attempts) == (S.FAILED, 5)
    assert "after 5 tries" in target.last_error
    outcomes = list(PublishAttempt.objects.filter(target=target).values_list("number", "outcome"))
    assert outcomes == [(n, Outcome.TRANSIENT) for n in range(1, 6)]
    assert len(status_posts()) == 5
    post.refresh_from_db()
    assert post.status == Post.Status.FAILED
    assert Notification.objects.filter(recipient=alice, kind="post.failed").count() == 1
    assert sent.reconcile == []
    assert_no_secret(TOKEN)


@responses.activate
def test_rate_limits_do_not_use_up_the_transient_retries(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    for _ in range(4):
        responses.post(
            STATUSES, status=429, json=fixture("error_429"), headers={"Retry-After": "5"}
        )
    responses.post(STATUSES, body=_refused())
    target = queued_target(workspace, channel)
    for _ in range(4):
        assert publish(target, django_capture_on_commit_callbacks) == "retry"
        PostTarget.objects.filter(pk=target.pk).update(status=S.QUEUED)
    assert publish(target, django_capture_on_commit_callbacks) == "retry"  # first refusal
    target.refresh_from_db()
    assert (target.status, target.attempts) == (S.SCHEDULED, 5)
    assert target.next_attempt_at == NOW + timedelta(seconds=30)


@responses.activate
def test_a_5xx_is_an_unknown_outcome_not_a_retry(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    responses.post(STATUSES, status=502, body="<html>Bad gateway</html>")
    target = queued_target(workspace, channel)
    assert publish(target, django_capture_on_commit_callbacks) == "unknown"
    target.refresh_from_db()
    assert (target.status, target.hold_reason) == (S.NEEDS_ATTENTION, publishing.HOLD_UNKNOWN)
    assert sent.reconcile == [target.pk]


# Publishing: unknown outcome and reconciliation -----------------------------------------------


@responses.activate
def test_read_timeout_needs_attention_and_is_never_posted_twice(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
) -> None:
    responses.post(STATUSES, body=requests.ReadTimeout("read timed out"))
    post = due_post(workspace, [channel], at=NOW - timedelta(minutes=1), author=alice)
    target = post.targets.get()
    dispatch(django_capture_on_commit_callbacks)

    assert publish(target, django_capture_on_commit_callbacks) == "unknown"

    target.refresh_from_db()
    assert (target.status, target.hold_reason) == (S.NEEDS_ATTENTION, publishing.HOLD_UNKNOWN)
    assert "not certain" in target.last_error
    attempt = PublishAttempt.objects.get(target=target)
    assert attempt.outcome == Outcome.UNKNOWN and "timed out" in attempt.detail
    assert sent.calls[-1] == ("content.reconcile_target", target.pk, {"countdown": 5})
    post.refresh_from_db()
    assert post.status == Post.Status.FAILED

    # Neither later sweeps nor a stray task send it again.
    for minutes in (2, 10, 60):
        time_machine.move_to(NOW + timedelta(minutes=minutes), tick=False)
        result = dispatch(django_capture_on_commit_callbacks)
        assert (result.queued, result.requeued, result.stale) == ([], [], [])
    assert publish(target, django_capture_on_commit_callbacks) == "skipped"
    assert len(status_posts()) == 1
    assert sent.publish == [target.pk]


@responses.activate
def test_reconcile_finds_the_status_and_records_it(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    responses.post(STATUSES, body=requests.ReadTimeout("read timed out"))
    post = due_post(
        workspace,
        [channel],
        at=NOW - timedelta(minutes=1),
        author=alice,
        link="https://tulip.example/beans",
    )
    target = post.targets.get()
    dispatch(django_capture_on_commit_callbacks)
    publish(target, django_capture_on_commit_callbacks)
    ours = status_body(
        status_id="113555000000000007",
        content_html=(
            '<p>Fresh beans are in!</p><p><a href="https://tulip.example/beans" rel="nofollow '
            'noopener" target="_blank"><span class="invisible">https://</span><span class="">'
            'tulip.example/beans</span><span class="invisible"></span></a></p>'
        ),
        created_at="2026-11-29T10:00:02.000Z",
    )
    newer = status_body(
        status_id="113555000000000009",
        content_html="<p>Something newer</p>",
        created_at="2026-11-29T10:05:00.000Z",
    )
    responses.get(ACCOUNT_STATUSES, json=[newer, ours])

    assert publishing.reconcile_target(target_id=target.pk) == "found"

    lookup = responses.calls[-1].request
    assert lookup.method == "GET" and lookup.headers["Authorization"] == f"Bearer {TOKEN}"
    contract_openapi.validate_call(SPEC, responses.calls[-1])
    target.refresh_from_db()
    assert target.status == S.PUBLISHED
    assert target.external_id == "113555000000000007"
    assert target.external_url == "https://social.example/@tulip/113555000000000007"
    assert target.published_at == datetime(2026, 11, 29, 10, 0, 2, tzinfo=UTC)
    assert (target.hold_reason, target.last_error) == ("", "")
    outcomes = list(PublishAttempt.objects.filter(target=target).values_list("outcome", flat=True))
    assert outcomes == [Outcome.UNKNOWN, Outcome.FOUND]
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    assert len(status_posts()) == 1
    # A second lookup (a duplicate task) does nothing.
    assert publishing.reconcile_target(target_id=target.pk) == "skipped"


@responses.activate
def test_reconcile_that_finds_the_post_still_posts_its_first_comment_once(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    responses.post(STATUSES, body=requests.ReadTimeout("read timed out"))
    post = due_post(
        workspace,
        [channel],
        at=NOW - timedelta(minutes=1),
        author=alice,
        first_comment="Brewing tips in the replies",
    )
    target = post.targets.get()
    dispatch(django_capture_on_commit_callbacks)
    publish(target, django_capture_on_commit_callbacks)
    ours = status_body(
        status_id="113555000000000007",
        content_html="<p>Fresh beans are in!</p>",
        created_at="2026-11-29T10:00:02.000Z",
    )
    responses.get(ACCOUNT_STATUSES, json=[ours])

    assert publishing.reconcile_target(target_id=target.pk) == "found"

    target.refresh_from_db()
    assert target.status == S.SCHEDULED and target.steps["post"] == "113555000000000007"
    # The next publish creates only the reply.
    responses.replace(
        responses.POST,
        STATUSES,
        json=status_body(
            status_id="113555000000000008",
            content_html="<p>Brewing tips</p>",
            created_at="2026-11-29T10:01:00.000Z",
        ),
    )
    dispatch(django_capture_on_commit_callbacks)
    assert publish(target, django_capture_on_commit_callbacks) == "published"
    replies = [c for c in responses.calls if c.request.method == "POST"][1:]
    assert len(replies) == 1
    assert b"in_reply_to_id" in replies[0].request.body
    target.refresh_from_db()
    assert (target.status, target.external_id, target.first_comment_id) == (
        S.PUBLISHED,
        "113555000000000007",
        "113555000000000008",
    )


@responses.activate
def test_reconcile_not_found_leaves_it_to_people_and_tells_them(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    from smm.models import Role
    from tests.factories import member

    admin = member(workspace, Role.ADMIN, email="ada@example.com")
    editor = member(workspace, Role.EDITOR, email="ed@example.com")
    author = member(workspace, Role.CONTRIBUTOR, email="carol@example.com")
    responses.post(STATUSES, body=requests.ReadTimeout("read timed out"))
    post = due_post(workspace, [channel], at=NOW - timedelta(minutes=1), author=author)
    target = post.targets.get()
    dispatch(django_capture_on_commit_callbacks)
    publish(target, django_capture_on_commit_callbacks)
    older = status_body(
        status_id="113554000000000001",
        content_html="<p>Yesterday's post</p>",
        created_at="2026-11-28T09:00:00.000Z",
    )
    responses.get(ACCOUNT_STATUSES, json=[older])

    # Within Mastodon's Idempotency-Key hour, "not found" simply sends it again (it cannot make
    # a second post); after that, people decide.
    assert publishing.reconcile_target(target_id=target.pk) == "resend"
    target.refresh_from_db()
    assert (target.status, target.next_attempt_at) == (S.SCHEDULED, NOW)
    PostTarget.objects.filter(pk=target.pk).update(
        status=S.NEEDS_ATTENTION,
        hold_reason=publishing.HOLD_UNKNOWN,
        publishing_started_at=NOW - timedelta(minutes=51),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.reconcile_target(target_id=target.pk) == "not_found"

    target.refresh_from_db()
    assert (target.status, target.hold_reason) == (S.NEEDS_ATTENTION, publishing.HOLD_UNKNOWN)
    assert "could not find this post on Mastodon" in target.last_error
    assert PublishAttempt.objects.filter(target=target).last().outcome == Outcome.NOT_FOUND
    told = set(Notification.objects.filter(workspace=workspace).values_list("recipient", flat=True))
    assert told == {author.pk, alice.pk, admin.pk}
    assert editor.pk not in told
    note = Notification.objects.get(recipient=author)
    assert note.kind == "post.needs_attention"
    assert str(post.pk) in note.url
    assert len(status_posts()) == 1


@responses.activate
def test_reconcile_lookup_failure_is_retried_later(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    target = queued_target(workspace, channel)
    PostTarget.objects.filter(pk=target.pk).update(
        status=S.NEEDS_ATTENTION, hold_reason=publishing.HOLD_UNKNOWN
    )
    responses.get(ACCOUNT_STATUSES, status=503, body="down")
    assert publishing.reconcile_target(target_id=target.pk) == "retry"
    target.refresh_from_db()
    assert target.status == S.NEEDS_ATTENTION
    assert PublishAttempt.objects.get(target=target).outcome == Outcome.TRANSIENT


# Publishing: refused ----------------------------------------------------------------------------


@responses.activate
def test_422_fails_with_mastodons_reason(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    responses.post(STATUSES, status=422, json=fixture("error_422"))
    post = due_post(workspace, [channel], at=NOW - timedelta(minutes=1), author=alice)
    target = post.targets.get()
    dispatch(django_capture_on_commit_callbacks)

    assert publish(target, django_capture_on_commit_callbacks) == "failed"

    target.refresh_from_db()
    assert target.status == S.FAILED
    assert target.last_error == "Validation failed: Text character limit of 500 exceeded"
    attempt = PublishAttempt.objects.get(target=target)
    assert attempt.outcome == Outcome.REJECTED
    assert "Text character limit of 500 exceeded" in attempt.detail
    post.refresh_from_db()
    assert post.status == Post.Status.FAILED
    assert post.get_status_display() == "Needs attention"
    note = Notification.objects.get(recipient=alice)
    assert note.kind == "post.failed" and "character limit" in note.message
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ACTIVE
    assert sent.reconcile == []
    assert_no_secret(TOKEN)


@responses.activate
def test_401_tries_one_refresh_then_holds_the_target_and_marks_the_channel(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    responses.post(STATUSES, status=401, json=fixture("error_401"))
    responses.get(VERIFY, status=401, json=fixture("error_401"))
    post = due_post(workspace, [channel], at=NOW - timedelta(minutes=1), author=alice)
    target = post.targets.get()
    dispatch(django_capture_on_commit_callbacks)

    assert publish(target, django_capture_on_commit_callbacks) == "held"

    assert [(c.request.method, c.request.url) for c in responses.calls] == [
        ("POST", STATUSES),
        ("GET", VERIFY),  # Mastodon's "refresh": verify the token (it does not expire)
    ]
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    target.refresh_from_db()
    assert (target.status, target.hold_reason) == (S.NEEDS_ATTENTION, publishing.HOLD_CHANNEL)
    [attempt] = PublishAttempt.objects.filter(target=target)  # one attempt, logged once
    assert (attempt.number, attempt.outcome) == (1, Outcome.AUTH_EXPIRED)
    assert attempt.detail == "The access token is invalid"
    assert "needs reconnecting" in target.last_error
    post.refresh_from_db()
    assert post.status == Post.Status.FAILED
    assert_no_secret(TOKEN)

    # Held: no sweep sends it while the channel is disconnected.
    result = dispatch(django_capture_on_commit_callbacks)
    assert (result.queued, result.released) == ([], [])
    assert len(status_posts()) == 1


@responses.activate
def test_401_with_the_token_check_down_tries_again_later_without_marking_the_channel(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    responses.post(STATUSES, status=401, json=fixture("error_401"))
    responses.get(VERIFY, status=503)
    post = due_post(workspace, [channel], at=NOW - timedelta(minutes=1), author=alice)
    target = post.targets.get()
    dispatch(django_capture_on_commit_callbacks)

    assert publish(target, django_capture_on_commit_callbacks) == "retry"

    channel.refresh_from_db()
    assert channel.status == Channel.Status.ACTIVE
    target.refresh_from_db()
    assert target.status == S.SCHEDULED
    assert target.next_attempt_at == NOW + timedelta(seconds=60)


@responses.activate
def test_a_channel_disconnected_after_queueing_holds_the_target_without_calling(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    target = queued_target(workspace, channel)
    Channel.objects.filter(pk=channel.pk).update(status=Channel.Status.NEEDS_RECONNECT)
    assert publish(target, django_capture_on_commit_callbacks) == "held"
    assert len(responses.calls) == 0
    target.refresh_from_db()
    assert (target.status, target.hold_reason) == (S.NEEDS_ATTENTION, publishing.HOLD_CHANNEL)
    [attempt] = PublishAttempt.objects.filter(target=target)  # logged once
    assert attempt.outcome == Outcome.HELD and attempt.finished_at == NOW


@responses.activate
def test_an_unexpected_error_in_ripple_is_an_unknown_outcome(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from channels_app.adapters.mastodon import MastodonAdapter

    responses.post(STATUSES, json=fixture("status_created"))
    original = MastodonAdapter._post_status

    def post_then_crash(self, creds, body, key):
        original(self, creds, body, key)
        raise KeyError("boom")

    monkeypatch.setattr(MastodonAdapter, "_post_status", post_then_crash)
    target = queued_target(workspace, channel)
    assert publish(target, django_capture_on_commit_callbacks) == "unknown"
    target.refresh_from_db()
    assert (target.status, target.hold_reason) == (S.NEEDS_ATTENTION, publishing.HOLD_UNKNOWN)
    assert PublishAttempt.objects.get(target=target).detail == "KeyError in Ripple"
    assert sent.reconcile == [target.pk]


@responses.activate
def test_media_that_cannot_be_prepared_fails_without_calling(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks, settings, tmp_path
) -> None:
    from content.models import PostMedia
    from content.services.media import media_upload
    from tests.content.media_files import jpeg_bytes, upload

    settings.MEDIA_ROOT = tmp_path / "media"
    asset = media_upload(workspace=workspace, by=alice, uploaded_file=upload("b.jpg", jpeg_bytes()))
    asset.file.storage.delete(asset.file.name)  # the original is gone
    target = queued_target(workspace, channel)
    PostMedia.objects.create(post=target.post, asset=asset, position=0)
    assert publish(target, django_capture_on_commit_callbacks) == "failed"
    assert len(responses.calls) == 0
    target.refresh_from_db()
    assert target.status == S.FAILED
    assert target.last_error.startswith("The media could not be prepared")


# The post's status -----------------------------------------------------------------------------


@responses.activate
def test_post_status_follows_all_its_targets(
    workspace, alice, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    one = mastodon_channel(workspace)
    two = mastodon_channel(workspace, instance_url="https://other.example", external_id="77")
    responses.post(STATUSES, json=fixture("status_created"))
    responses.post("https://other.example/api/v1/statuses", status=422, json=fixture("error_422"))
    post = due_post(workspace, [one, two], at=NOW - timedelta(minutes=1), author=alice)
    first, second = post.targets.get(channel=one), post.targets.get(channel=two)
    dispatch(django_capture_on_commit_callbacks)

    assert publish(first, django_capture_on_commit_callbacks) == "published"
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED  # one still to go
    assert publish(second, django_capture_on_commit_callbacks) == "failed"
    post.refresh_from_db()
    assert post.status == Post.Status.FAILED


@responses.activate
def test_post_is_published_when_every_target_is(
    workspace, sent: Sent, django_capture_on_commit_callbacks
) -> None:
    one = mastodon_channel(workspace)
    two = mastodon_channel(workspace, instance_url="https://other.example", external_id="77")
    responses.post(STATUSES, json=fixture("status_created"))
    responses.post("https://other.example/api/v1/statuses", json=fixture("status_created"))
    post = due_post(workspace, [one, two], at=NOW - timedelta(minutes=1))
    dispatch(django_capture_on_commit_callbacks)
    for target in post.targets.all():
        assert publish(target, django_capture_on_commit_callbacks) == "published"
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


# Media and tracked links ------------------------------------------------------------------------


@responses.activate
def test_an_image_is_uploaded_as_its_rendition_with_the_alt_text(
    workspace, alice, channel, sent: Sent, django_capture_on_commit_callbacks, settings, tmp_path
) -> None:
    from content.models import MediaRendition, PostMedia
    from content.services.media import media_upload
    from tests.content.media_files import jpeg_bytes, upload

    settings.MEDIA_ROOT = tmp_path / "media"
    asset = media_upload(
        workspace=workspace, by=alice, uploaded_file=upload("beans.jpg", jpeg_bytes(1600, 1200))
    )
    asset.alt_text = "A bag of Huila beans on the counter"
    asset.save(update_fields=["alt_text"])
    target = queued_target(workspace, channel)
    PostMedia.objects.create(post=target.post, asset=asset, position=0)
    responses.post(f"{channel.instance_url}/api/v2/media", json=fixture("media_200"))
    responses.post(STATUSES, json=fixture("status_created"))

    assert publish(target, django_capture_on_commit_callbacks) == "published"

    upload_call, status_call = responses.calls
    rendition = MediaRendition.objects.get(asset=asset, platform="mastodon")
    body = upload_call.request.body
    assert upload_call.request.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="description"\r\n\r\nA bag of Huila beans on the counter' in body
    assert b"Content-Type: image/jpeg" in body
    with rendition.file.open("rb") as handle:
        assert handle.read() in body  # the rendition, not the original
    with asset.file.open("rb") as handle:
        assert handle.read() not in body
    assert json.loads(status_call.request.body)["media_ids"] == ["22348641"]
    contract_openapi.validate_call(SPEC, status_call)


@responses.activate
def test_tracked_links_go_out_as_short_links(
    workspace, channel, sent: Sent, django_capture_on_commit_callbacks, settings
) -> None:
    from content.models import ShortLink

    settings.SMM_SHORT_LINK_BASE_URL = "https://rpl.example"
    responses.post(STATUSES, json=fixture("status_created"))
    target = queued_target(
        workspace, channel, text="Taste them: https://tulip.example/beans", shorten_links=True
    )

    assert publish(target, django_capture_on_commit_callbacks) == "published"

    link = ShortLink.objects.get(workspace=workspace)
    sent_text = json.loads(responses.calls[0].request.body)["status"]
    assert sent_text == f"Taste them: https://rpl.example/l/{link.code}"
    assert "tulip.example" not in sent_text
    assert link.original_url == "https://tulip.example/beans"
    assert "utm_source=mastodon" in link.destination_url
