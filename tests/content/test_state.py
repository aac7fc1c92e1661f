"""content.services.state: every allowed and every refused transition of the post and target
state machines, lost races, the post's status derived from its targets (stored in the same
transaction, under the post's lock), and the repair of posts whose status drifted."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from io import StringIO
from itertools import product

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from channels_app.models import Channel
from content import tasks
from content.models import Post, PostTarget
from content.services import planning, publishing
from content.services.state import (
    POST_TRANSITIONS,
    TARGET_TRANSITIONS,
    Drift,
    TransitionRefused,
    post_status_derive,
    post_transition,
    posts_status_repair,
    target_transition,
    targets_transition,
)
from smm.models import Membership, User, Workspace
from tests.factories import ChannelFactory, WorkspaceFactory

S = PostTarget.Status
P = Post.Status


def membership_of(workspace: Workspace, user: User) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(
        workspace=workspace, user=user
    )


def make_post(
    workspace: Workspace,
    status: str,
    targets: Sequence[str] = (),
    channels: Sequence[Channel] = (),
) -> Post:
    """A post in `status` with one target per state of `targets` (on its own channel)."""
    post = Post.objects.create(workspace=workspace, status=status, text="Fresh beans")
    for i, target_status in enumerate(targets):
        channel = (
            channels[i]
            if i < len(channels)
            else ChannelFactory(workspace=workspace, handle=f"@state{i}")
        )
        PostTarget.objects.create(
            workspace=workspace, post=post, channel=channel, status=target_status
        )
    return post


# The tables ------------------------------------------------------------------------------------


def test_every_state_has_a_row_in_its_table() -> None:
    assert set(TARGET_TRANSITIONS) == set(S.values)
    assert set(POST_TRANSITIONS) == set(P.values)
    assert all(to in S.values for row in TARGET_TRANSITIONS.values() for to in row)
    assert all(to in P.values for row in POST_TRANSITIONS.values() for to in row)


@pytest.mark.django_db
@pytest.mark.parametrize(("from_state", "to_state"), list(product(S.values, S.values)))
def test_target_transition(workspace, from_state: str, to_state: str) -> None:
    target = make_post(workspace, P.SCHEDULED, [from_state]).targets.get()
    if to_state in TARGET_TRANSITIONS[from_state]:
        assert target_transition(target_id=target.pk, expected=(from_state,), to=to_state)
        target.refresh_from_db()
        assert target.status == to_state
    else:
        with pytest.raises(TransitionRefused, match=f"{from_state} -> {to_state}"):
            target_transition(target_id=target.pk, expected=(from_state,), to=to_state)
        target.refresh_from_db()
        assert target.status == from_state


@pytest.mark.django_db
@pytest.mark.parametrize(("from_state", "to_state"), list(product(S.values, S.values)))
def test_targets_transition(workspace, from_state: str, to_state: str) -> None:
    post = make_post(workspace, P.SCHEDULED, [from_state, from_state])
    ids = sorted(post.targets.values_list("pk", flat=True))
    if to_state in TARGET_TRANSITIONS[from_state]:
        moved = targets_transition(post_id=post.pk, expected=(from_state,), to=to_state)
        assert sorted(moved) == ids
        assert set(post.targets.values_list("status", flat=True)) == {to_state}
    else:
        with pytest.raises(TransitionRefused):
            targets_transition(post_id=post.pk, expected=(from_state,), to=to_state)
        assert set(post.targets.values_list("status", flat=True)) == {from_state}


@pytest.mark.django_db
@pytest.mark.parametrize(("from_state", "to_state"), list(product(P.values, P.values)))
def test_post_transition(workspace, from_state: str, to_state: str) -> None:
    post = make_post(workspace, from_state)  # no targets: nothing to derive from
    if to_state in POST_TRANSITIONS[from_state]:
        assert post_transition(post=post, to=to_state)
        assert post.status == to_state
        post.refresh_from_db()
        assert post.status == to_state
    else:
        with pytest.raises(TransitionRefused, match=f"post: {from_state} -> {to_state}"):
            post_transition(post=post, to=to_state)
        post.refresh_from_db()
        assert post.status == from_state


@pytest.mark.django_db
def test_a_lost_race_returns_false_and_changes_nothing(workspace) -> None:
    post = make_post(workspace, P.SCHEDULED, [S.PUBLISHING])
    target = post.targets.get()
    # Another worker claimed it first: it is publishing, not queued any more.
    assert not target_transition(target_id=target.pk, expected=(S.QUEUED,), to=S.PUBLISHING)
    assert not targets_transition(ids=[target.pk], expected=(S.QUEUED,), to=S.PUBLISHING)
    target.refresh_from_db()
    assert target.status == S.PUBLISHING
    stale = Post.objects.get(pk=post.pk)
    Post.objects.filter(pk=post.pk).update(status=P.DRAFT)  # a person unscheduled it meanwhile
    assert not post_transition(post=stale, to=P.IN_REVIEW, expected=(P.APPROVED,))
    assert Post.objects.get(pk=post.pk).status == P.DRAFT


@pytest.mark.django_db
def test_the_table_is_checked_for_every_expected_state(workspace) -> None:
    target = make_post(workspace, P.SCHEDULED, [S.FAILED]).targets.get()
    with pytest.raises(TransitionRefused, match="published -> scheduled"):
        target_transition(target_id=target.pk, expected=(S.FAILED, S.PUBLISHED), to=S.SCHEDULED)
    target.refresh_from_db()
    assert target.status == S.FAILED


# The derived status ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "targets", "derived"),
    [
        (P.SCHEDULED, [S.PUBLISHED, S.PUBLISHED], P.PUBLISHED),
        (P.FAILED, [S.PUBLISHED], P.PUBLISHED),
        (P.SCHEDULED, [S.PUBLISHED, S.QUEUED], P.SCHEDULED),
        (P.SCHEDULED, [S.PUBLISHED, S.FAILED], P.FAILED),
        (P.SCHEDULED, [S.PUBLISHING, S.NEEDS_ATTENTION], P.FAILED),
        (P.FAILED, [S.SCHEDULED], P.SCHEDULED),
        (P.PUBLISHED, [S.SCHEDULED, S.PUBLISHED], P.SCHEDULED),
        (P.FAILED, [S.FAILED, S.SCHEDULED], P.FAILED),
        # Nothing on its way and not all published: the post keeps what it shows.
        (P.SCHEDULED, [S.DRAFT], P.SCHEDULED),
        (P.SCHEDULED, [S.PUBLISHED, S.CANCELLED], P.SCHEDULED),
        (P.SCHEDULED, [], P.SCHEDULED),
        # Editorial states are people's to change, whatever the targets say.
        (P.DRAFT, [S.PUBLISHED], P.DRAFT),
        (P.IN_REVIEW, [S.FAILED, S.DRAFT], P.IN_REVIEW),
        (P.CHANGES_REQUESTED, [S.SCHEDULED], P.CHANGES_REQUESTED),
        (P.APPROVED, [S.PUBLISHED], P.APPROVED),
    ],
)
def test_post_status_derive(current: str, targets: list[str], derived: str) -> None:
    assert post_status_derive(current=current, targets=targets) == derived


@pytest.mark.django_db
def test_a_post_is_published_when_its_last_target_is(workspace) -> None:
    post = make_post(workspace, P.SCHEDULED, [S.PUBLISHING, S.PUBLISHING])
    first, second = post.targets.order_by("pk")
    assert target_transition(target_id=first.pk, expected=(S.PUBLISHING,), to=S.PUBLISHED)
    assert Post.objects.get(pk=post.pk).status == P.SCHEDULED
    with transaction.atomic():
        assert target_transition(target_id=second.pk, expected=(S.PUBLISHING,), to=S.PUBLISHED)
        # Stored in the same transaction as the target change, not after it.
        assert Post.objects.get(pk=post.pk).status == P.PUBLISHED


@pytest.mark.django_db
def test_a_post_scheduled_with_a_target_that_needs_attention_shows_it(workspace) -> None:
    post = make_post(workspace, P.DRAFT, [S.DRAFT, S.NEEDS_ATTENTION])
    assert post_transition(post=post, to=P.SCHEDULED)
    assert post.status == P.FAILED
    assert Post.objects.get(pk=post.pk).status == P.FAILED


@pytest.mark.django_db
def test_moves_that_count_alike_for_the_post_leave_it_alone(
    workspace, django_assert_num_queries
) -> None:
    target = make_post(workspace, P.SCHEDULED, [S.QUEUED]).targets.get()
    # The worker's claim is one conditional UPDATE: no lock on the post, no derivation.
    with django_assert_num_queries(1):
        assert target_transition(target_id=target.pk, expected=(S.QUEUED,), to=S.PUBLISHING)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_publishing_the_last_two_targets_leave_the_post_published() -> None:
    """The bug this module fixes: each worker derived the post's status from what it saw, and
    the one that saw the other target still publishing could write "scheduled" last."""
    workspace = WorkspaceFactory()
    post = make_post(workspace, P.SCHEDULED, [S.PUBLISHING, S.PUBLISHING])
    first, second = post.targets.order_by("pk")
    first_done, second_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def worker_one() -> None:
        try:
            with transaction.atomic():
                target_transition(target_id=first.pk, expected=(S.PUBLISHING,), to=S.PUBLISHED)
                first_done.set()
                # Worker two publishes its target meanwhile and waits for this post's lock.
                second_started.wait(5)
                threading.Event().wait(0.3)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def worker_two() -> None:
        try:
            first_done.wait(5)
            second_started.set()
            target_transition(target_id=second.pk, expected=(S.PUBLISHING,), to=S.PUBLISHED)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker_one), threading.Thread(target=worker_two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert Post.objects.get(pk=post.pk).status == P.PUBLISHED


# The engine keeps the post's status derived ----------------------------------------------------


@pytest.mark.django_db
def test_retrying_one_of_two_failed_targets_leaves_the_post_needing_attention(
    workspace, bob
) -> None:
    post = make_post(workspace, P.FAILED, [S.FAILED, S.FAILED])
    first, second = post.targets.order_by("pk")
    publishing.target_retry(target=first, membership=membership_of(workspace, bob))
    assert Post.objects.get(pk=post.pk).status == P.FAILED  # the other one still failed
    publishing.target_retry(target=second, membership=membership_of(workspace, bob))
    assert Post.objects.get(pk=post.pk).status == P.SCHEDULED


@pytest.mark.django_db
def test_a_released_channel_hold_puts_the_post_back_on_the_schedule(workspace) -> None:
    post = make_post(workspace, P.FAILED, [S.NEEDS_ATTENTION])
    target = post.targets.get()
    PostTarget.objects.filter(pk=target.pk).update(hold_reason=publishing.HOLD_CHANNEL)
    assert publishing.release_channel_holds() == [target.pk]
    assert Post.objects.get(pk=post.pk).status == P.SCHEDULED


@pytest.mark.django_db
def test_unscheduling_keeps_the_editorial_state(workspace, bob) -> None:
    post = make_post(workspace, P.SCHEDULED, [S.SCHEDULED, S.SCHEDULED])
    planning.post_unschedule(post=post, membership=membership_of(workspace, bob))
    assert Post.objects.get(pk=post.pk).status == P.DRAFT
    assert set(post.targets.values_list("status", flat=True)) == {S.DRAFT}


# Repair ----------------------------------------------------------------------------------------


@pytest.fixture
def drifted(workspace) -> dict[str, Post]:
    """Posts whose status was written around the state machine, and two that are right."""
    return {
        "stuck_scheduled": make_post(workspace, P.SCHEDULED, [S.PUBLISHED, S.PUBLISHED]),
        "failed_but_retried": make_post(workspace, P.FAILED, [S.SCHEDULED]),
        "published_with_a_failure": make_post(workspace, P.PUBLISHED, [S.PUBLISHED, S.FAILED]),
        "right": make_post(workspace, P.SCHEDULED, [S.PUBLISHED, S.QUEUED]),
        "editorial": make_post(workspace, P.DRAFT, [S.PUBLISHED]),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [1, 2, 1000])
def test_repair_fixes_and_reports_drift(workspace, drifted, batch_size: int) -> None:
    fixed = posts_status_repair(batch_size=batch_size)
    assert fixed == [
        Drift(drifted["stuck_scheduled"].pk, workspace.pk, P.SCHEDULED, P.PUBLISHED),
        Drift(drifted["failed_but_retried"].pk, workspace.pk, P.FAILED, P.SCHEDULED),
        Drift(drifted["published_with_a_failure"].pk, workspace.pk, P.PUBLISHED, P.FAILED),
    ]
    statuses = {name: Post.objects.get(pk=post.pk).status for name, post in drifted.items()}
    assert statuses == {
        "stuck_scheduled": P.PUBLISHED,
        "failed_but_retried": P.SCHEDULED,
        "published_with_a_failure": P.FAILED,
        "right": P.SCHEDULED,
        "editorial": P.DRAFT,
    }
    assert posts_status_repair() == []  # nothing left


@pytest.mark.django_db
def test_repair_reads_a_fixed_number_of_queries_per_batch(
    workspace, drifted, django_assert_num_queries
) -> None:
    # 4 posts on the schedule in batches of 2: (posts + their targets' states) x 2, then the
    # empty batch that ends the walk. Dry run: nothing is written.
    with django_assert_num_queries(5):
        assert len(posts_status_repair(dry_run=True, batch_size=2)) == 3


@pytest.mark.django_db
def test_repair_dry_run_changes_nothing(workspace, drifted) -> None:
    assert len(posts_status_repair(dry_run=True)) == 3
    assert Post.objects.get(pk=drifted["stuck_scheduled"].pk).status == P.SCHEDULED


@pytest.mark.django_db
def test_repair_command(workspace, drifted) -> None:
    out = StringIO()
    call_command("content_repair_status", "--dry-run", stdout=out)
    stuck = drifted["stuck_scheduled"].pk
    assert f"post {stuck} (workspace {workspace.pk}): scheduled -> published (would fix)" in (
        out.getvalue()
    )
    assert "3 post(s) to fix." in out.getvalue()
    assert Post.objects.get(pk=stuck).status == P.SCHEDULED

    out = StringIO()
    call_command("content_repair_status", stdout=out)
    assert "scheduled -> published (fixed)" in out.getvalue()
    assert Post.objects.get(pk=stuck).status == P.PUBLISHED
    out = StringIO()
    call_command("content_repair_status", stdout=out)
    assert "0 post(s) fixed." in out.getvalue()


@pytest.mark.django_db
def test_repair_task_warns_per_drift(workspace, drifted, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="content.tasks"):
        tasks.post_status_repair()
    warnings = [r.getMessage() for r in caplog.records if r.name == "content.tasks"]
    assert len(warnings) == 3
    assert f"post {drifted['stuck_scheduled'].pk} " in warnings[0]
    assert "scheduled" in warnings[0] and "published" in warnings[0]
    assert Post.objects.get(pk=drifted["stuck_scheduled"].pk).status == P.PUBLISHED
