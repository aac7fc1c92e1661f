"""content.services.publishing: what people do with a target (retry, mark published or not,
reschedule) and who may; posts scheduled in local time across daylight-saving changes; and, on
PostgreSQL, concurrent dispatchers that never claim a target twice (SELECT ... SKIP LOCKED)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from content.models import Post, PostTarget
from content.services import planning, publishing
from content.services.checks import PostInput
from content.services.posts import post_save
from smm.models import ActivityEvent, Membership, Role, Workspace
from tests.content.test_publishing_factories import (
    S,
    Sent,
    due_post,
    mastodon_channel,
    record_tasks,
)
from tests.factories import member

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    return record_tasks(monkeypatch)


def membership(workspace: Workspace, user) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(
        workspace=workspace, user=user
    )


def dispatch(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return publishing.dispatch_due_all_workspaces()


# What people do --------------------------------------------------------------------------------


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def carol(workspace):
    return member(workspace, Role.CONTRIBUTOR, email="carol@example.com", name="Carol Contrib")


@pytest.fixture
def channel(workspace):
    return mastodon_channel(workspace)


def target_in(workspace, channel, status: str, *, author=None, **fields) -> PostTarget:
    post = due_post(
        workspace,
        [channel],
        at=NOW - timedelta(hours=1),
        author=author,
        target_status=status,
        post_status=Post.Status.FAILED,
    )
    target = post.targets.get()
    if fields:
        PostTarget.objects.filter(pk=target.pk).update(**fields)
        target.refresh_from_db()
    return target


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
class TestPersonActions:
    def test_editor_retries_a_failed_target_and_it_goes_out_again(
        self, workspace, bob, channel, sent: Sent, django_capture_on_commit_callbacks
    ) -> None:
        target = target_in(
            workspace,
            channel,
            S.FAILED,
            attempts=5,
            last_error="The platform could not be reached",
            steps={"media:0": "22348641", "transient_failures": 5},
        )
        target = publishing.target_retry(target=target, membership=membership(workspace, bob))
        assert (target.status, target.next_attempt_at, target.attempts) == (S.SCHEDULED, NOW, 0)
        assert (target.last_error, target.steps, target.hold_reason) == ("", {}, "")
        target.post.refresh_from_db()
        assert target.post.status == Post.Status.SCHEDULED
        event = ActivityEvent.objects.get(verb="post.retried")
        assert event.actor == bob and event.data == {"channel": str(channel)}
        assert dispatch(django_capture_on_commit_callbacks).queued == [target.pk]
        assert sent.publish == [target.pk]

    def test_retry_of_a_needs_attention_target(self, workspace, bob, channel) -> None:
        target = target_in(workspace, channel, S.NEEDS_ATTENTION, hold_reason="unknown")
        target = publishing.target_retry(target=target, membership=membership(workspace, bob))
        assert (target.status, target.hold_reason) == (S.SCHEDULED, "")

    @pytest.mark.parametrize("status", [S.SCHEDULED, S.QUEUED, S.PUBLISHING, S.PUBLISHED])
    def test_retry_in_the_wrong_state_is_refused(self, workspace, bob, channel, status) -> None:
        target = target_in(workspace, channel, status)
        with pytest.raises(ValidationError, match="can be retried"):
            publishing.target_retry(target=target, membership=membership(workspace, bob))
        target.refresh_from_db()
        assert target.status == status
        assert not ActivityEvent.objects.filter(verb="post.retried").exists()

    @pytest.mark.parametrize(
        "action",
        [
            lambda t, m: publishing.target_retry(target=t, membership=m),
            lambda t, m: publishing.target_mark_published(target=t, membership=m),
            lambda t, m: publishing.target_mark_not_published(target=t, membership=m),
            lambda t, m: publishing.target_reschedule(
                target=t, membership=m, at=NOW + timedelta(days=1)
            ),
        ],
        ids=["retry", "mark_published", "mark_not_published", "reschedule"],
    )
    def test_contributor_without_approval_rights_is_refused(
        self, workspace, carol, channel, action
    ) -> None:
        # Carol's own post, in a workspace where contributors' posts need approval.
        target = target_in(workspace, channel, S.NEEDS_ATTENTION, author=carol)
        with pytest.raises(PermissionDenied):
            action(target, membership(workspace, carol))
        target.refresh_from_db()
        assert target.status == S.NEEDS_ATTENTION

    def test_viewer_is_refused(self, workspace, channel) -> None:
        viewer = member(workspace, Role.VIEWER)
        target = target_in(workspace, channel, S.FAILED)
        with pytest.raises(PermissionDenied):
            publishing.target_retry(target=target, membership=membership(workspace, viewer))

    def test_contributor_without_approval_needed_may_retry_her_own_post(
        self, workspace, carol, channel
    ) -> None:
        from content.services.approval import settings_for

        config = settings_for(workspace)
        config.approval_required = False
        config.save()
        target = target_in(workspace, channel, S.FAILED, author=carol)
        target = publishing.target_retry(target=target, membership=membership(workspace, carol))
        assert target.status == S.SCHEDULED

    def test_mark_published(self, workspace, bob, channel) -> None:
        target = target_in(workspace, channel, S.NEEDS_ATTENTION, hold_reason="unknown")
        target = publishing.target_mark_published(
            target=target,
            membership=membership(workspace, bob),
            url="https://social.example/@tulip/113555000000000001",
        )
        assert target.status == S.PUBLISHED and target.published_at == NOW
        assert target.external_url == "https://social.example/@tulip/113555000000000001"
        assert (target.hold_reason, target.last_error) == ("", "")
        target.post.refresh_from_db()
        assert target.post.status == Post.Status.PUBLISHED
        assert ActivityEvent.objects.filter(verb="post.marked_published", actor=bob).exists()

    @pytest.mark.parametrize("status", [S.SCHEDULED, S.QUEUED, S.PUBLISHING, S.PUBLISHED])
    def test_mark_published_in_the_wrong_state_is_refused(
        self, workspace, bob, channel, status
    ) -> None:
        target = target_in(workspace, channel, status)
        with pytest.raises(ValidationError):
            publishing.target_mark_published(target=target, membership=membership(workspace, bob))
        target.refresh_from_db()
        assert target.status == status

    def test_mark_not_published(self, workspace, bob, channel) -> None:
        target = target_in(workspace, channel, S.NEEDS_ATTENTION, hold_reason="unknown")
        target = publishing.target_mark_not_published(
            target=target, membership=membership(workspace, bob)
        )
        assert (target.status, target.hold_reason) == (S.FAILED, "")
        assert "Bob Editor" in target.last_error
        target.post.refresh_from_db()
        assert target.post.status == Post.Status.FAILED

    @pytest.mark.parametrize("status", [S.SCHEDULED, S.FAILED, S.PUBLISHED])
    def test_mark_not_published_in_the_wrong_state_is_refused(
        self, workspace, bob, channel, status
    ) -> None:
        target = target_in(workspace, channel, status)
        with pytest.raises(ValidationError):
            publishing.target_mark_not_published(
                target=target, membership=membership(workspace, bob)
            )

    def test_reschedule(
        self, workspace, bob, channel, sent: Sent, django_capture_on_commit_callbacks, time_machine
    ) -> None:
        target = target_in(workspace, channel, S.FAILED, attempts=3, next_attempt_at=NOW)
        at = NOW + timedelta(days=1)
        target = publishing.target_reschedule(
            target=target, membership=membership(workspace, bob), at=at
        )
        assert (target.status, target.scheduled_at, target.next_attempt_at) == (
            S.SCHEDULED,
            at,
            None,
        )
        assert target.attempts == 0
        target.post.refresh_from_db()
        assert target.post.status == Post.Status.SCHEDULED
        assert dispatch(django_capture_on_commit_callbacks).queued == []
        time_machine.move_to(at, tick=False)
        assert dispatch(django_capture_on_commit_callbacks).queued == [target.pk]

    def test_reschedule_into_the_past_or_from_the_wrong_state_is_refused(
        self, workspace, bob, channel
    ) -> None:
        target = target_in(workspace, channel, S.FAILED)
        with pytest.raises(ValidationError, match="future"):
            publishing.target_reschedule(
                target=target, membership=membership(workspace, bob), at=NOW
            )
        published = target_in(workspace, channel, S.PUBLISHED)
        with pytest.raises(ValidationError):
            publishing.target_reschedule(
                target=published,
                membership=membership(workspace, bob),
                at=NOW + timedelta(days=1),
            )
        published.refresh_from_db()
        assert published.status == S.PUBLISHED


# Daylight saving ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("local", "utc"),
    [
        # Summer time starts on Sunday 29 March 2026 (UTC+1 -> UTC+2).
        (datetime(2026, 3, 28, 9, 0, tzinfo=AMS), datetime(2026, 3, 28, 8, 0, tzinfo=UTC)),
        (datetime(2026, 3, 30, 9, 0, tzinfo=AMS), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
        # Summer time ends on Sunday 25 October 2026 (UTC+2 -> UTC+1).
        (datetime(2026, 10, 24, 9, 0, tzinfo=AMS), datetime(2026, 10, 24, 7, 0, tzinfo=UTC)),
        (datetime(2026, 10, 25, 9, 0, tzinfo=AMS), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
        (datetime(2026, 10, 26, 9, 0, tzinfo=AMS), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),
    ],
    ids=["before-spring", "after-spring", "before-autumn", "autumn-day", "after-autumn"],
)
def test_nine_oclock_in_amsterdam_goes_out_at_nine_local_time(
    workspace,
    bob,
    sent: Sent,
    django_capture_on_commit_callbacks,
    time_machine,
    local: datetime,
    utc: datetime,
) -> None:
    workspace.timezone = "Europe/Amsterdam"
    workspace.save(update_fields=["timezone"])
    channel = mastodon_channel(workspace)
    bob_m = membership(workspace, bob)
    time_machine.move_to(utc - timedelta(days=3), tick=False)
    post = post_save(
        workspace=workspace,
        membership=bob_m,
        data=PostInput(text="Morning brew is ready.", channel_ids=[channel.pk]),
    )
    planning.post_schedule(post=post, membership=bob_m, at=local)
    target = post.targets.get()

    time_machine.move_to(utc - timedelta(minutes=1), tick=False)
    assert dispatch(django_capture_on_commit_callbacks).queued == []
    time_machine.move_to(utc - timedelta(microseconds=1), tick=False)
    assert dispatch(django_capture_on_commit_callbacks).queued == []
    time_machine.move_to(utc, tick=False)
    assert dispatch(django_capture_on_commit_callbacks).queued == [target.pk]
    assert sent.publish == [target.pk]


# PostgreSQL: concurrent dispatchers ---------------------------------------------------------


def _targets(workspace, channel, n: int) -> list[int]:
    ids = []
    for i in range(n):
        post = due_post(workspace, [channel], at=NOW - timedelta(seconds=n - i))
        ids.append(post.targets.get().pk)
    return ids


@pytest.mark.postgres
def test_concurrent_dispatchers_never_both_claim_a_target(
    transactional_db, sent: Sent, time_machine
) -> None:
    from tests.factories import WorkspaceFactory

    time_machine.move_to(NOW, tick=False)
    workspace = WorkspaceFactory()
    channel = mastodon_channel(workspace)
    ids = _targets(workspace, channel, 120)
    barrier = threading.Barrier(4)
    claims: list[list[int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                result = publishing.dispatch_due_all_workspaces(limit=10)
                with lock:
                    claims.append(result.queued + result.requeued)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    claimed = [pk for batch in claims for pk in batch]
    assert sorted(claimed) == sorted(ids)  # each exactly once, none lost
    assert sorted(sent.publish) == sorted(ids)  # one task per target
    assert set(PostTarget.objects.values_list("status", flat=True)) == {S.QUEUED}


@pytest.mark.postgres
def test_dispatch_skips_a_target_locked_by_another_transaction(
    transactional_db, sent: Sent, time_machine
) -> None:
    from tests.factories import WorkspaceFactory

    time_machine.move_to(NOW, tick=False)
    workspace = WorkspaceFactory()
    channel = mastodon_channel(workspace)
    locked, free = _targets(workspace, channel, 2)
    holding, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        try:
            with transaction.atomic():
                list(PostTarget.objects.select_for_update().filter(pk=locked))
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    other = threading.Thread(target=hold_lock)
    other.start()
    try:
        assert holding.wait(timeout=10)
        result = publishing.dispatch_due_all_workspaces()  # must not wait for the lock
        assert result.queued == [free]
    finally:
        release.set()
        other.join(timeout=30)
    assert publishing.dispatch_due_all_workspaces().queued == [locked]
    assert sent.publish == [free, locked]
