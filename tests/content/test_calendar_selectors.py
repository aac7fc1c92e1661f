"""content.selectors.calendar: the visible range in the workspace's zone, chips per channel,
filters, what may be moved, the wall-clock arithmetic of a move, and a constant query count."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.models import Post, PostTarget
from content.selectors import calendar as sel
from content.selectors.posts import PostFilters
from smm.models import Membership, Role, Workspace
from tests.content.test_calendar_factories import make_campaign, make_channel, make_post
from tests.factories import member

AMS = ZoneInfo("Europe/Amsterdam")
UTC = ZoneInfo("UTC")

pytestmark = pytest.mark.django_db


@pytest.fixture
def ams(workspace: Workspace) -> Workspace:
    workspace.timezone = "Europe/Amsterdam"
    workspace.save(update_fields=["timezone"])
    return workspace


def membership_of(workspace: Workspace, user) -> Membership:
    return Membership.objects.select_related("workspace").get(workspace=workspace, user=user)


def calendar_of(m: Membership, anchor: date, view: str = sel.MONTH, **filters: object):
    return sel.calendar_get(
        membership=m,
        view=view,
        anchor=anchor,
        today=date(2026, 3, 18),
        filters=PostFilters(**filters) if filters else None,  # type: ignore[arg-type]
    )


def chips_by_day(cal) -> dict[date, list]:
    return {d.day: d.chips for d in cal.days if d.chips}


# The range ----------------------------------------------------------------------------------


def test_month_range_is_whole_weeks_monday_first() -> None:
    rng = sel.calendar_range(view="month", anchor=date(2026, 3, 18), tz_name="Europe/Amsterdam")
    assert (rng.first_day, rng.last_day) == (date(2026, 2, 23), date(2026, 4, 5))
    assert rng.first_day.weekday() == 0 and rng.last_day.weekday() == 6
    assert len(rng.days) == 42
    assert rng.start == datetime(2026, 2, 23, 0, 0, tzinfo=AMS)
    assert rng.end == datetime(2026, 4, 6, 0, 0, tzinfo=AMS)
    assert (rng.previous, rng.next) == (date(2026, 2, 1), date(2026, 4, 1))
    assert rng.in_focus(date(2026, 3, 1)) and not rng.in_focus(date(2026, 2, 28))


def test_month_navigation_at_the_ends_of_months_and_years() -> None:
    rng = sel.calendar_range(view="month", anchor=date(2026, 1, 31), tz_name="UTC")
    assert (rng.previous, rng.next) == (date(2025, 12, 1), date(2026, 2, 1))
    february = sel.calendar_range(view="month", anchor=date(2027, 2, 10), tz_name="UTC")
    # February 2027 starts on a Monday and ends on a Sunday: exactly four weeks.
    assert (february.first_day, february.last_day) == (date(2027, 2, 1), date(2027, 2, 28))


def test_week_range_and_navigation() -> None:
    rng = sel.calendar_range(view="week", anchor=date(2026, 3, 18), tz_name="Europe/Amsterdam")
    assert (rng.first_day, rng.last_day) == (date(2026, 3, 16), date(2026, 3, 22))
    assert (rng.previous, rng.next) == (date(2026, 3, 9), date(2026, 3, 23))
    assert rng.in_focus(date(2026, 3, 16))


def test_unknown_view_is_a_month() -> None:
    assert sel.calendar_range(view="year", anchor=date(2026, 3, 18), tz_name="UTC").view == "month"


def test_range_boundaries_are_midnights_in_the_workspace_zone(ams, alice) -> None:
    channel = make_channel(ams)
    inside = [
        datetime(2026, 3, 16, 0, 0, tzinfo=AMS),  # Sunday 23:00 UTC: Monday in Amsterdam
        datetime(2026, 3, 22, 23, 30, tzinfo=AMS),
    ]
    outside = [
        datetime(2026, 3, 15, 23, 59, tzinfo=AMS),
        datetime(2026, 3, 23, 0, 0, tzinfo=AMS),
    ]
    for at in inside + outside:
        make_post(ams, at=at, channels=[channel])
    cal = calendar_of(membership_of(ams, alice), date(2026, 3, 18), view=sel.WEEK)
    days = chips_by_day(cal)
    assert sorted(days) == [date(2026, 3, 16), date(2026, 3, 22)]
    assert days[date(2026, 3, 16)][0].at == inside[0]
    assert days[date(2026, 3, 16)][0].at.tzinfo == AMS
    assert cal.chip_count == 2


def test_the_week_of_the_dst_change_ends_at_midnight_summer_time(ams, alice) -> None:
    channel = make_channel(ams)
    last = make_post(ams, at=datetime(2026, 3, 29, 23, 30, tzinfo=AMS), channels=[channel])
    make_post(ams, at=datetime(2026, 3, 30, 0, 30, tzinfo=AMS), channels=[channel])
    cal = calendar_of(membership_of(ams, alice), date(2026, 3, 25), view=sel.WEEK)
    assert cal.range.end.astimezone(UTC) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert [c.post for c in chips_by_day(cal)[date(2026, 3, 29)]] == [last]
    assert cal.chip_count == 1


def test_week_view_sorts_chips_into_hours(ams, alice) -> None:
    channel = make_channel(ams)
    make_post(ams, at=datetime(2026, 3, 17, 9, 15, tzinfo=AMS), channels=[channel])
    cal = calendar_of(membership_of(ams, alice), date(2026, 3, 18), view=sel.WEEK)
    hours = cal.hours
    assert len(hours) == 24
    filled = [(row.hour, day) for row in hours for day, chips in row.cells if chips]
    assert filled == [(9, date(2026, 3, 17))]


def test_today_past_and_focus_flags(ams, alice) -> None:
    cal = calendar_of(membership_of(ams, alice), date(2026, 3, 18))
    flags = {d.day: d for d in cal.days}
    assert flags[date(2026, 3, 18)].is_today and not flags[date(2026, 3, 18)].is_past
    assert flags[date(2026, 3, 17)].is_past
    assert not flags[date(2026, 2, 28)].in_focus
    assert [len(week) for week in cal.weeks] == [7] * 6


# Chips ----------------------------------------------------------------------------------------


def test_a_chip_per_channel_with_its_state(ams, alice) -> None:
    x, linkedin = make_channel(ams, "x"), make_channel(ams, "linkedin")
    at = datetime(2026, 3, 20, 9, 0, tzinfo=AMS)
    post = make_post(ams, at=at, channels=[x, linkedin], text="Roast day!\nSecond line")
    PostTarget.objects.filter(post=post, channel=linkedin).update(
        status=PostTarget.Status.PUBLISHED
    )
    Post.objects.filter(pk=post.pk).update(status=Post.Status.FAILED)
    PostTarget.objects.filter(post=post, channel=x).update(status=PostTarget.Status.FAILED)
    chips = chips_by_day(calendar_of(membership_of(ams, alice), date(2026, 3, 18)))[at.date()]
    by_platform = {c.platform: c for c in chips}
    assert sorted(by_platform) == ["linkedin", "x"]
    assert (by_platform["x"].style, by_platform["x"].badge) == ("failed", "X")
    assert (by_platform["linkedin"].style, by_platform["linkedin"].badge) == ("published", "in")
    assert by_platform["x"].summary == "Roast day!"
    assert by_platform["x"].url == f"/w/{ams.slug}/posts/{post.pk}/"
    assert by_platform["x"].channel_label == f"X {x.handle}"


def test_editorial_state_shows_before_scheduling_and_a_post_without_channels_shows_once(
    ams, alice
) -> None:
    x = make_channel(ams, "x")
    at = datetime(2026, 3, 20, 9, 0, tzinfo=AMS)
    make_post(ams, at=at, channels=[x], status=Post.Status.IN_REVIEW)
    make_post(ams, at=at, channels=[], status=Post.Status.DRAFT, text="")
    chips = chips_by_day(calendar_of(membership_of(ams, alice), date(2026, 3, 18)))[at.date()]
    styles = sorted((c.style, c.platform, c.badge) for c in chips)
    assert styles == [("draft", "", ""), ("in_review", "x", "X")]
    no_channel = next(c for c in chips if c.target is None)
    assert str(no_channel.channel_label) == "No channel yet"
    assert str(no_channel.summary) == "(no text yet)"


def test_a_channels_own_text_is_its_summary(ams, alice) -> None:
    x = make_channel(ams, "x")
    at = datetime(2026, 3, 20, 9, 0, tzinfo=AMS)
    post = make_post(ams, at=at, channels=[x])
    PostTarget.objects.filter(post=post).update(text="Short for X")
    chips = chips_by_day(calendar_of(membership_of(ams, alice), date(2026, 3, 18)))[at.date()]
    assert chips[0].summary == "Short for X"


# Filters ------------------------------------------------------------------------------------


def test_filters_by_channel_campaign_status_and_author(ams, alice, bob) -> None:
    x, linkedin = make_channel(ams, "x"), make_channel(ams, "linkedin")
    campaign = make_campaign(ams)
    at = datetime(2026, 3, 20, 9, 0, tzinfo=AMS)
    on_x = make_post(ams, at=at, channels=[x], author=alice, campaign=campaign)
    on_both = make_post(ams, at=at, channels=[x, linkedin], author=bob, status=Post.Status.DRAFT)
    on_linkedin = make_post(ams, at=at, channels=[linkedin], author=bob)
    m = membership_of(ams, alice)

    def posts(**filters: object) -> set[Post]:
        return {c.post for d in calendar_of(m, date(2026, 3, 18), **filters).days for c in d.chips}

    assert posts() == {on_x, on_both, on_linkedin}
    assert posts(channel_ids=(x.pk,)) == {on_x, on_both}
    assert posts(campaign_id=campaign.pk) == {on_x}
    assert posts(statuses=(Post.Status.DRAFT,)) == {on_both}
    assert posts(author_id=bob.pk) == {on_both, on_linkedin}
    assert posts(author_id=bob.pk, channel_ids=(linkedin.pk,), statuses=("scheduled",)) == {
        on_linkedin
    }
    # Filtering by channel still shows every channel of the posts found.
    found = calendar_of(m, date(2026, 3, 18), channel_ids=(x.pk,))
    assert sum(1 for d in found.days for c in d.chips if c.post == on_both) == 2


def test_only_the_workspaces_own_posts_and_choices(ams, alice, other_workspace, mallory) -> None:
    mine = make_channel(ams)
    theirs = make_channel(other_workspace)
    make_campaign(other_workspace, slug="theirs")
    at = datetime(2026, 3, 20, 9, 0, tzinfo=AMS)
    make_post(other_workspace, at=at, channels=[theirs])
    assert calendar_of(membership_of(ams, alice), date(2026, 3, 18)).chip_count == 0
    # A filter naming another workspace's channel finds nothing either.
    found = calendar_of(membership_of(ams, alice), date(2026, 3, 18), channel_ids=(theirs.pk,))
    assert found.chip_count == 0
    choices = sel.calendar_filter_choices(workspace=ams)
    assert choices.channels == [mine]
    assert choices.campaigns == []
    assert mallory not in choices.authors and alice in choices.authors


# What may be moved --------------------------------------------------------------------------


def test_movable_follows_the_planning_rules(ams, alice) -> None:
    x = make_channel(ams)
    carol = member(ams, Role.CONTRIBUTOR, name="Carol")
    viewer = member(ams, Role.VIEWER)
    at = datetime(2026, 3, 20, 9, 0, tzinfo=AMS)
    scheduled = make_post(ams, at=at, channels=[x], author=alice)
    published = make_post(ams, at=at, channels=[x], status=Post.Status.PUBLISHED)
    going_out = make_post(ams, at=at, channels=[x], target_status=PostTarget.Status.PUBLISHING)
    carols_draft = make_post(ams, at=at, channels=[x], author=carol, status=Post.Status.DRAFT)
    carols_scheduled = make_post(ams, at=at, channels=[x], author=carol)

    def movable(user) -> set[Post]:
        cal = calendar_of(membership_of(ams, user), date(2026, 3, 18))
        return {c.post for d in cal.days for c in d.chips if c.movable}

    assert movable(alice) == {scheduled, carols_draft, carols_scheduled}
    # The workspace needs approval (the default): Carol's scheduled post is not hers to move.
    assert movable(carol) == {carols_draft}
    assert movable(viewer) == set()
    assert published not in movable(alice) and going_out not in movable(alice)


# Moving -------------------------------------------------------------------------------------


def test_moved_time_keeps_the_wall_clock_time_across_dst() -> None:
    before = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam, winter time
    moved = sel.moved_publish_time(
        current=before, day=date(2026, 3, 31), at=None, tz_name="Europe/Amsterdam"
    )
    assert moved == datetime(2026, 3, 31, 9, 0, tzinfo=AMS)
    assert moved.astimezone(UTC).hour == 7
    autumn = sel.moved_publish_time(
        current=datetime(2026, 10, 23, 9, 0, tzinfo=AMS),
        day=date(2026, 10, 26),
        at=None,
        tz_name="Europe/Amsterdam",
    )
    assert autumn.astimezone(UTC) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_moved_time_with_a_new_time_of_day() -> None:
    moved = sel.moved_publish_time(
        current=datetime(2026, 3, 20, 9, 45, tzinfo=AMS),
        day=date(2026, 3, 21),
        at=time(14, 45),
        tz_name="Europe/Amsterdam",
    )
    assert moved == datetime(2026, 3, 21, 14, 45, tzinfo=AMS)
    with pytest.raises(ValidationError):
        sel.moved_publish_time(current=None, day=date(2026, 3, 21), at=None, tz_name="UTC")


# Queries ------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_posts(
    ams, alice, bob, django_assert_max_num_queries
) -> None:
    channels = [make_channel(ams, p) for p in ("x", "linkedin", "mastodon")]
    campaign = make_campaign(ams)
    carol = member(ams, Role.CONTRIBUTOR, name="Carol")
    at = datetime(2026, 3, 20, 9, 0, tzinfo=AMS)
    make_post(ams, at=at, channels=channels, author=alice, campaign=campaign)
    m = membership_of(ams, carol)  # a contributor: the approval setting costs a query too

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            cal = calendar_of(m, date(2026, 3, 18))
            [c.summary for d in cal.days for c in d.chips]
            [c.channel_label for d in cal.days for c in d.chips]
        return len(ctx.captured_queries)

    count()  # the first look creates the workspace's content settings
    one = count()
    for n in range(9):
        make_post(ams, at=at.replace(day=2 + n), channels=channels, author=bob, campaign=campaign)
    assert count() == one
    # Posts, their targets with channels, their media; the approval setting (contributors).
    with django_assert_max_num_queries(4):
        cal = calendar_of(m, date(2026, 3, 18))
        assert cal.chip_count == 30
