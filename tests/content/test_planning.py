"""content.services.planning: schedule, unschedule and reschedule (who may, in which state), the
queue's next free posting slot (slots, taken slots, time zones), recurring posts across daylight
saving changes. Time is frozen with time-machine."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from channels_app.models import PostingSlot
from content.models import ContentSettings, Post, PostTarget, RecurrenceUnit
from content.services import planning
from content.services.checks import PostInput
from content.services.posts import post_save
from smm.models import ActivityEvent, Membership, Role, Workspace
from tests.content.test_calendar_factories import make_channel, make_post
from tests.factories import member

AMS = ZoneInfo("Europe/Amsterdam")
UTC = ZoneInfo("UTC")
# A Monday, 10:00 in Amsterdam (winter time, UTC+1).
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=AMS)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def ams(workspace: Workspace) -> Workspace:
    workspace.timezone = "Europe/Amsterdam"
    workspace.save(update_fields=["timezone"])
    return workspace


def membership(workspace: Workspace, user) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(
        workspace=workspace, user=user
    )


@pytest.fixture
def channel(ams: Workspace):
    return make_channel(ams, "x")


@pytest.fixture
def bob_m(ams: Workspace, bob) -> Membership:
    return membership(ams, bob)


def draft(workspace: Workspace, by: Membership, channels: list, **fields: object) -> Post:
    data = PostInput(
        text=str(fields.pop("text", "Fresh beans from Huila are in.")),
        channel_ids=[c.pk for c in channels],
        **fields,  # type: ignore[arg-type]
    )
    return post_save(workspace=workspace, membership=by, data=data)


IN_TWO_DAYS = NOW + timedelta(days=2)


# post_schedule ------------------------------------------------------------------------------


def test_editor_schedules_a_post_and_its_targets(ams, bob_m, channel) -> None:
    post = draft(ams, bob_m, [channel])
    post = planning.post_schedule(post=post, membership=bob_m, at=IN_TWO_DAYS)
    assert post.status == Post.Status.SCHEDULED
    assert post.scheduled_at == IN_TWO_DAYS
    target = post.targets.get()
    assert (target.status, target.scheduled_at) == (PostTarget.Status.SCHEDULED, IN_TWO_DAYS)
    event = ActivityEvent.objects.get(verb="post.scheduled")
    assert datetime.fromisoformat(event.data["at"]) == IN_TWO_DAYS


def test_schedule_uses_the_planned_time_when_none_is_given(ams, bob_m, channel) -> None:
    post = draft(ams, bob_m, [channel], scheduled_at=IN_TWO_DAYS)
    assert planning.post_schedule(post=post, membership=bob_m).scheduled_at == IN_TWO_DAYS


@pytest.mark.parametrize("at", [NOW - timedelta(minutes=1), None])
def test_schedule_needs_a_future_time(ams, bob_m, channel, at) -> None:
    post = draft(ams, bob_m, [channel])
    with pytest.raises(ValidationError):
        planning.post_schedule(post=post, membership=bob_m, at=at)
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT


def test_schedule_refuses_a_post_that_breaks_a_channel_rule(ams, bob_m, channel) -> None:
    post = draft(ams, bob_m, [channel], text="x" * 400)  # X takes 280
    with pytest.raises(ValidationError) as err:
        planning.post_schedule(post=post, membership=bob_m, at=IN_TWO_DAYS)
    assert any(m.startswith(f"X {channel.handle}: ") for m in err.value.messages)
    assert post.targets.get().status == PostTarget.Status.DRAFT


def test_schedule_refuses_published_and_locked_posts(ams, bob_m, channel) -> None:
    published = make_post(ams, at=NOW - timedelta(days=1), channels=[channel], status="published")
    with pytest.raises(ValidationError, match="published already"):
        planning.post_schedule(post=published, membership=bob_m, at=IN_TWO_DAYS)
    going_out = make_post(
        ams, at=IN_TWO_DAYS, channels=[channel], status="scheduled", target_status="queued"
    )
    with pytest.raises(ValidationError, match="being published"):
        planning.post_schedule(post=going_out, membership=bob_m, at=IN_TWO_DAYS)


def test_contributor_needs_approval_before_scheduling(ams, channel) -> None:
    carol = membership(ams, member(ams, Role.CONTRIBUTOR, name="Carol"))
    post = draft(ams, carol, [channel])
    assert not planning.may_schedule(carol, post)
    with pytest.raises(PermissionDenied):
        planning.post_schedule(post=post, membership=carol, at=IN_TWO_DAYS)
    Post.objects.filter(pk=post.pk).update(status=Post.Status.APPROVED, approved_at=NOW)
    post.refresh_from_db()
    assert planning.post_schedule(post=post, membership=carol, at=IN_TWO_DAYS).status == (
        Post.Status.SCHEDULED
    )


def test_contributor_schedules_own_posts_only_without_approval(ams, bob_m, channel) -> None:
    ContentSettings.objects.update_or_create(workspace=ams, defaults={"approval_required": False})
    carol = membership(ams, member(ams, Role.CONTRIBUTOR, name="Carol"))
    own = draft(ams, carol, [channel])
    bobs = draft(ams, bob_m, [channel])
    assert planning.may_schedule(carol, own)
    assert not planning.may_schedule(carol, bobs)
    planning.post_schedule(post=own, membership=carol, at=IN_TWO_DAYS)
    with pytest.raises(PermissionDenied):
        planning.post_schedule(post=bobs, membership=carol, at=IN_TWO_DAYS)


def test_viewer_schedules_nothing(ams, bob_m, channel) -> None:
    viewer = membership(ams, member(ams, Role.VIEWER))
    post = draft(ams, bob_m, [channel])
    with pytest.raises(PermissionDenied):
        planning.post_schedule(post=post, membership=viewer, at=IN_TWO_DAYS)


# post_unschedule ----------------------------------------------------------------------------


def test_unschedule_returns_the_post_to_draft_keeping_its_time(ams, bob_m, channel) -> None:
    post = planning.post_schedule(
        post=draft(ams, bob_m, [channel]), membership=bob_m, at=IN_TWO_DAYS
    )
    post = planning.post_unschedule(post=post, membership=bob_m)
    assert (post.status, post.scheduled_at) == (Post.Status.DRAFT, IN_TWO_DAYS)
    assert post.targets.get().status == PostTarget.Status.DRAFT
    assert ActivityEvent.objects.filter(verb="post.unscheduled").count() == 1


def test_unschedule_keeps_an_approved_post_approved(ams, bob_m, channel) -> None:
    post = make_post(ams, at=IN_TWO_DAYS, channels=[channel], approved_at=NOW)
    assert planning.post_unschedule(post=post, membership=bob_m).status == Post.Status.APPROVED


def test_unschedule_refuses_posts_not_scheduled_or_going_out(ams, bob_m, channel) -> None:
    with pytest.raises(ValidationError, match="not scheduled"):
        planning.post_unschedule(post=draft(ams, bob_m, [channel]), membership=bob_m)
    going_out = make_post(ams, at=IN_TWO_DAYS, channels=[channel], target_status="publishing")
    with pytest.raises(ValidationError, match="being published"):
        planning.post_unschedule(post=going_out, membership=bob_m)


# post_reschedule ----------------------------------------------------------------------------


def test_reschedule_moves_a_scheduled_post_and_its_waiting_targets(ams, bob_m, channel) -> None:
    other = make_channel(ams, "linkedin")
    post = make_post(ams, at=IN_TWO_DAYS, channels=[channel, other])
    # One channel went out already (a retry of the other is being planned): it stays put.
    PostTarget.objects.filter(post=post, channel=other).update(status=PostTarget.Status.PUBLISHED)
    later = IN_TWO_DAYS + timedelta(days=3)
    post = planning.post_reschedule(post=post, membership=bob_m, at=later)
    assert post.scheduled_at == later
    assert post.targets.get(channel=channel).scheduled_at == later
    assert post.targets.get(channel=other).scheduled_at == IN_TWO_DAYS
    event = ActivityEvent.objects.get(verb="post.rescheduled")
    assert datetime.fromisoformat(event.data["from"]) == IN_TWO_DAYS
    assert datetime.fromisoformat(event.data["at"]) == later


def test_reschedule_refuses_the_past_and_published_posts(ams, bob_m, channel) -> None:
    post = make_post(ams, at=IN_TWO_DAYS, channels=[channel])
    with pytest.raises(ValidationError, match="future"):
        planning.post_reschedule(post=post, membership=bob_m, at=NOW - timedelta(hours=1))
    published = make_post(ams, at=NOW - timedelta(days=1), channels=[channel], status="published")
    with pytest.raises(ValidationError, match="published post cannot be moved"):
        planning.post_reschedule(post=published, membership=bob_m, at=IN_TWO_DAYS)
    post.refresh_from_db()
    assert post.scheduled_at == IN_TWO_DAYS


def test_reschedule_refuses_a_post_being_published(ams, bob_m, channel) -> None:
    post = make_post(ams, at=IN_TWO_DAYS, channels=[channel], target_status="queued")
    with pytest.raises(ValidationError, match="being published"):
        planning.post_reschedule(post=post, membership=bob_m, at=IN_TWO_DAYS + timedelta(days=1))


def test_a_draft_may_be_planned_for_any_time(ams, bob_m, channel) -> None:
    post = draft(ams, bob_m, [channel], scheduled_at=IN_TWO_DAYS)
    earlier = NOW - timedelta(days=3)
    assert planning.post_reschedule(post=post, membership=bob_m, at=earlier).scheduled_at == (
        earlier
    )
    assert post.targets.get().status == PostTarget.Status.DRAFT


def test_contributor_moves_own_drafts_only(ams, bob_m, channel) -> None:
    carol = membership(ams, member(ams, Role.CONTRIBUTOR, name="Carol"))
    own = draft(ams, carol, [channel], scheduled_at=IN_TWO_DAYS)
    planning.post_reschedule(post=own, membership=carol, at=IN_TWO_DAYS + timedelta(days=1))
    bobs = draft(ams, bob_m, [channel], scheduled_at=IN_TWO_DAYS)
    with pytest.raises(PermissionDenied):
        planning.post_reschedule(post=bobs, membership=carol, at=IN_TWO_DAYS + timedelta(days=1))
    viewer = membership(ams, member(ams, Role.VIEWER))
    with pytest.raises(PermissionDenied):
        planning.post_reschedule(post=own, membership=viewer, at=IN_TWO_DAYS)


def test_contributor_cannot_move_a_scheduled_post_that_needed_approval(ams, channel) -> None:
    carol = membership(ams, member(ams, Role.CONTRIBUTOR, name="Carol"))
    post = make_post(ams, at=IN_TWO_DAYS, channels=[channel], author=carol.user, approved_at=NOW)
    with pytest.raises(PermissionDenied):
        planning.post_reschedule(post=post, membership=carol, at=IN_TWO_DAYS + timedelta(days=1))


# next_free_slot and the queue ---------------------------------------------------------------


def slot(channel, weekday: int, at: time) -> PostingSlot:
    return PostingSlot.objects.create(
        workspace=channel.workspace, channel=channel, weekday=weekday, time=at
    )


def test_next_free_slot_is_the_next_slot_after_now(ams, bob_m, channel) -> None:
    slot(channel, 0, time(9, 0))  # Monday 09:00: already past today (it is 10:00)
    slot(channel, 2, time(14, 30))  # Wednesday 14:30
    post = draft(ams, bob_m, [channel])
    assert planning.next_free_slot(post=post) == datetime(2026, 3, 18, 14, 30, tzinfo=AMS)


def test_next_free_slot_skips_slots_taken_on_the_same_channel(ams, bob_m, channel) -> None:
    slot(channel, 2, time(14, 30))
    slot(channel, 4, time(8, 0))
    wednesday = datetime(2026, 3, 18, 14, 30, tzinfo=AMS)
    make_post(ams, at=wednesday, channels=[channel])
    # Another channel's post at the same time does not take this channel's slot.
    other = make_channel(ams, "linkedin")
    make_post(ams, at=datetime(2026, 3, 20, 8, 0, tzinfo=AMS), channels=[other])
    post = draft(ams, bob_m, [channel])
    assert planning.next_free_slot(post=post) == datetime(2026, 3, 20, 8, 0, tzinfo=AMS)


def test_a_cancelled_post_frees_its_slot(ams, bob_m, channel) -> None:
    slot(channel, 2, time(14, 30))
    wednesday = datetime(2026, 3, 18, 14, 30, tzinfo=AMS)
    make_post(ams, at=wednesday, channels=[channel], target_status="cancelled")
    post = draft(ams, bob_m, [channel])
    assert planning.next_free_slot(post=post) == wednesday


def test_a_post_does_not_block_its_own_slot(ams, bob_m, channel) -> None:
    slot(channel, 2, time(14, 30))
    wednesday = datetime(2026, 3, 18, 14, 30, tzinfo=AMS)
    post = make_post(ams, at=wednesday, channels=[channel])
    assert planning.next_free_slot(post=post) == wednesday


def test_slots_of_all_the_posts_channels_count(ams, bob_m, channel) -> None:
    other = make_channel(ams, "linkedin")
    slot(channel, 4, time(8, 0))
    slot(other, 1, time(12, 0))  # Tuesday: the earliest of both channels' slots
    post = draft(ams, bob_m, [channel, other])
    assert planning.next_free_slot(post=post) == datetime(2026, 3, 17, 12, 0, tzinfo=AMS)


def test_slots_are_wall_clock_times_in_the_workspace_zone(ams, bob_m, channel) -> None:
    ams.timezone = "America/New_York"
    ams.save(update_fields=["timezone"])
    slot(channel, 0, time(9, 0))  # Monday 09:00 New York = 14:00 in Amsterdam (DST in the US)
    post = draft(ams, bob_m, [channel])
    found = planning.next_free_slot(post=post)
    assert found == datetime(2026, 3, 16, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert found.astimezone(UTC) == datetime(2026, 3, 16, 13, 0, tzinfo=UTC)


def test_slots_keep_their_local_time_across_the_dst_change(ams, bob_m, channel) -> None:
    slot(channel, 0, time(9, 0))  # Mondays 09:00
    # Today's 09:00 has passed; next Monday (still winter time) is taken.
    make_post(ams, at=datetime(2026, 3, 23, 9, 0, tzinfo=AMS), channels=[channel])
    post = draft(ams, bob_m, [channel])
    found = planning.next_free_slot(post=post)
    # Monday 30 March, after the change to summer time: still 09:00 local, 07:00 UTC.
    assert found == datetime(2026, 3, 30, 9, 0, tzinfo=AMS)
    assert found.astimezone(UTC).time() == time(7, 0)


def test_no_slots_or_no_channels_or_all_taken_is_a_clear_error(
    ams, bob_m, channel, monkeypatch
) -> None:
    post = draft(ams, bob_m, [channel])
    with pytest.raises(ValidationError, match="no posting slots"):
        planning.next_free_slot(post=post)
    with pytest.raises(ValidationError, match="at least one channel"):
        planning.next_free_slot(post=draft(ams, bob_m, []))
    slot(channel, 2, time(14, 30))
    monkeypatch.setattr(planning, "QUEUE_HORIZON_WEEKS", 1)
    make_post(ams, at=datetime(2026, 3, 18, 14, 30, tzinfo=AMS), channels=[channel])
    with pytest.raises(ValidationError, match="is taken"):
        planning.next_free_slot(post=post)


def test_add_to_queue_schedules_in_the_next_free_slot(ams, bob_m, channel) -> None:
    slot(channel, 2, time(14, 30))
    post = planning.post_add_to_queue(post=draft(ams, bob_m, [channel]), membership=bob_m)
    wednesday = datetime(2026, 3, 18, 14, 30, tzinfo=AMS)
    assert (post.status, post.scheduled_at) == (Post.Status.SCHEDULED, wednesday)
    # The next one goes to the week after.
    second = planning.post_add_to_queue(post=draft(ams, bob_m, [channel]), membership=bob_m)
    assert second.scheduled_at == wednesday + timedelta(weeks=1)


# Recurring posts ----------------------------------------------------------------------------


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)


def test_weekly_occurrences_keep_0900_across_the_spring_change() -> None:
    times = planning.occurrence_times(
        local(2026, 3, 23, 9, 0),
        every=1,
        unit=RecurrenceUnit.WEEK,
        until=date(2026, 4, 6),
        tz_name="Europe/Amsterdam",
    )
    assert times == [local(2026, 3, 30, 9, 0), local(2026, 4, 6, 9, 0)]
    assert [t.astimezone(UTC).hour for t in times] == [7, 7]  # winter was 08:00 UTC
    assert local(2026, 3, 23, 9, 0).astimezone(UTC).hour == 8


def test_daily_occurrences_keep_0900_across_the_autumn_change() -> None:
    first = local(2026, 10, 23, 9, 0)  # summer time: 07:00 UTC
    times = planning.occurrence_times(
        first,
        every=2,
        unit=RecurrenceUnit.DAY,
        until=date(2026, 10, 29),
        tz_name="Europe/Amsterdam",
    )
    assert [t.date() for t in times] == [date(2026, 10, 25), date(2026, 10, 27), date(2026, 10, 29)]
    assert all(t.astimezone(AMS).time() == time(9, 0) for t in times)
    # 25 October itself is after the change at 03:00: 09:00 is 08:00 UTC.
    assert [t.astimezone(UTC).hour for t in times] == [8, 8, 8]


def test_occurrences_from_a_utc_time_use_the_workspace_wall_clock() -> None:
    first = datetime(2026, 10, 19, 7, 0, tzinfo=UTC)  # 09:00 in Amsterdam
    times = planning.occurrence_times(
        first,
        every=1,
        unit=RecurrenceUnit.WEEK,
        until=date(2026, 10, 26),
        tz_name="Europe/Amsterdam",
    )
    assert times == [datetime(2026, 10, 26, 8, 0, tzinfo=UTC)]


def test_occurrences_stop_at_the_end_date_and_the_cap() -> None:
    first = local(2026, 3, 16, 9, 0)
    assert (
        planning.occurrence_times(
            first,
            every=1,
            unit=RecurrenceUnit.WEEK,
            until=date(2026, 3, 22),
            tz_name="Europe/Amsterdam",
        )
        == []
    )
    many = planning.occurrence_times(
        first, every=1, unit=RecurrenceUnit.DAY, until=date(2030, 1, 1), tz_name="Europe/Amsterdam"
    )
    assert len(many) == planning.MAX_OCCURRENCES


def test_scheduling_a_recurring_post_creates_its_copies(ams, bob_m, channel) -> None:
    first = local(2026, 3, 23, 9, 0)
    post = draft(
        ams,
        bob_m,
        [channel],
        scheduled_at=first,
        repeat_every=1,
        repeat_unit=RecurrenceUnit.WEEK,
        repeat_until=date(2026, 4, 6),
    )
    planning.post_schedule(post=post, membership=bob_m)
    copies = list(post.occurrences.order_by("scheduled_at"))
    assert [c.scheduled_at for c in copies] == [local(2026, 3, 30, 9, 0), local(2026, 4, 6, 9, 0)]
    for copy in copies:
        assert (copy.status, copy.text, copy.source) == (
            Post.Status.SCHEDULED,
            post.text,
            "recurrence",
        )
        target = copy.targets.get()
        assert (target.channel_id, target.status, target.scheduled_at) == (
            channel.pk,
            PostTarget.Status.SCHEDULED,
            copy.scheduled_at,
        )
    # Scheduling again does not double them.
    planning.post_unschedule(post=post, membership=bob_m)
    assert not post.occurrences.exists()
    planning.post_schedule(post=post, membership=bob_m)
    assert post.occurrences.count() == 2


def test_unscheduling_keeps_copies_that_went_out(ams, bob_m, channel) -> None:
    post = draft(
        ams,
        bob_m,
        [channel],
        scheduled_at=local(2026, 3, 23, 9, 0),
        repeat_every=1,
        repeat_unit=RecurrenceUnit.WEEK,
        repeat_until=date(2026, 4, 6),
    )
    planning.post_schedule(post=post, membership=bob_m)
    gone_out = post.occurrences.order_by("scheduled_at").first()
    gone_out.targets.update(status=PostTarget.Status.PUBLISHED)
    planning.post_unschedule(post=post, membership=bob_m)
    assert list(post.occurrences.all()) == [gone_out]


def test_an_unscheduled_post_frees_its_slot(ams, bob_m, channel) -> None:
    slot(channel, 2, time(14, 30))
    wednesday = datetime(2026, 3, 18, 14, 30, tzinfo=AMS)
    earlier = draft(ams, bob_m, [channel])
    planning.post_schedule(post=earlier, membership=bob_m, at=wednesday)
    planning.post_unschedule(post=earlier, membership=bob_m)
    post = draft(ams, bob_m, [channel])
    assert planning.next_free_slot(post=post) == wednesday


def test_moving_a_recurring_post_moves_its_series(ams, bob_m, channel) -> None:
    post = draft(
        ams,
        bob_m,
        [channel],
        scheduled_at=local(2026, 3, 23, 9, 0),
        repeat_every=1,
        repeat_unit=RecurrenceUnit.WEEK,
        repeat_until=date(2026, 4, 7),
    )
    planning.post_schedule(post=post, membership=bob_m)
    planning.post_reschedule(post=post, membership=bob_m, at=local(2026, 3, 24, 11, 0))
    assert [c.scheduled_at for c in post.occurrences.order_by("scheduled_at")] == [
        local(2026, 3, 31, 11, 0),
        local(2026, 4, 7, 11, 0),
    ]
