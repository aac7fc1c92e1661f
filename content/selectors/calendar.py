"""Reading the calendar: the visible range (a month grid or a week, Monday first, in the
workspace's time zone), the posts in it as chips (one per post and channel), the filter choices,
and the wall-clock arithmetic of a drag to another day.

Everything here reads; moving a post is content.services.planning.post_reschedule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from channels_app.models import Channel
from content.models import Campaign, Post, PostTarget
from content.selectors.posts import PostFilters, calendar_posts
from smm.models import Membership, User, Workspace
from smm.tenancy import can

MONTH = "month"
WEEK = "week"
VIEWS = (MONTH, WEEK)

# The letter (or two) on a channel's badge; the colour comes from content-calendar.css.
PLATFORM_BADGES: dict[str, str] = {
    "facebook": "f",
    "instagram": "IG",
    "x": "X",
    "linkedin": "in",
    "tiktok": "TT",
    "youtube": "YT",
    "snapchat": "SC",
    "pinterest": "P",
    "threads": "@",
    "mastodon": "M",
    "bluesky": "B",
}

# Where a channel stands, once the post is on the schedule, in the chip's status styles.
_TARGET_STYLE: dict[str, str] = {
    PostTarget.Status.DRAFT: "draft",
    PostTarget.Status.SCHEDULED: "scheduled",
    PostTarget.Status.QUEUED: "scheduled",
    PostTarget.Status.PUBLISHING: "publishing",
    PostTarget.Status.PUBLISHED: "published",
    PostTarget.Status.FAILED: "failed",
    PostTarget.Status.NEEDS_ATTENTION: "failed",
    PostTarget.Status.CANCELLED: "cancelled",
}
# Before scheduling, the post's editorial state is what a chip shows.
_EDITORIAL = (
    Post.Status.DRAFT,
    Post.Status.IN_REVIEW,
    Post.Status.CHANGES_REQUESTED,
    Post.Status.APPROVED,
)
_LOCKED_TARGETS = (PostTarget.Status.QUEUED, PostTarget.Status.PUBLISHING)


# The visible range ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarRange:
    """The days a calendar page shows: whole weeks, Monday to Sunday, in `tz_name`."""

    view: str
    anchor: date  # the day the user asked for (?date=); the month or week around it is shown
    first_day: date  # a Monday
    last_day: date  # a Sunday, included
    tz_name: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)

    @property
    def start(self) -> datetime:
        """Midnight starting `first_day`, in the workspace's zone (aware)."""
        return datetime.combine(self.first_day, time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """Midnight after `last_day` (exclusive bound)."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=self.tz)

    @property
    def days(self) -> list[date]:
        return [
            self.first_day + timedelta(days=n)
            for n in range((self.last_day - self.first_day).days + 1)
        ]

    @property
    def previous(self) -> date:
        if self.view == WEEK:
            return self.first_day - timedelta(days=7)
        return (self.anchor.replace(day=1) - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        if self.view == WEEK:
            return self.first_day + timedelta(days=7)
        return (self.anchor.replace(day=28) + timedelta(days=4)).replace(day=1)

    def in_focus(self, day: date) -> bool:
        """Days of the month shown (a month grid starts and ends with days of its neighbours)."""
        if self.view == WEEK:
            return True
        return (day.year, day.month) == (self.anchor.year, self.anchor.month)


def calendar_range(*, view: str, anchor: date, tz_name: str) -> CalendarRange:
    """The weeks covering `anchor`'s month (view "month") or `anchor`'s week (view "week").
    An unknown view is a month."""
    if view == WEEK:
        first = anchor - timedelta(days=anchor.weekday())
        return CalendarRange(WEEK, anchor, first, first + timedelta(days=6), tz_name)
    month_start = anchor.replace(day=1)
    month_end = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    first = month_start - timedelta(days=month_start.weekday())
    last = month_end + timedelta(days=6 - month_end.weekday())
    return CalendarRange(MONTH, anchor, first, last, tz_name)


# Chips ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarChip:
    """One post on one channel (or a post without channels yet), as the calendar draws it."""

    post: Post
    target: PostTarget | None
    at: datetime  # the post's publish time, in the workspace's zone
    style: str  # draft, in_review, changes_requested, approved, scheduled, publishing, ...
    status_label: str
    url: str
    movable: bool

    @property
    def channel(self) -> Channel | None:
        return self.target.channel if self.target else None

    @property
    def platform(self) -> str:
        return self.target.channel.platform if self.target else ""

    @property
    def badge(self) -> str:
        return PLATFORM_BADGES.get(self.platform, self.platform[:1].upper()) if self.target else ""

    @property
    def channel_label(self) -> str:
        if self.target is None:
            return _("No channel yet")
        channel = self.target.channel
        return f"{channel.get_platform_display()} {channel.handle or channel.display_name}"

    @property
    def summary(self) -> str:
        """The first line of the text (the channel's own text if it has one)."""
        text = self.target.effective_text if self.target else self.post.text
        lines = (text or self.post.title).strip().splitlines()
        return lines[0] if lines else _("(no text yet)")


@dataclass
class CalendarDay:
    day: date
    is_today: bool
    is_past: bool
    in_focus: bool
    chips: list[CalendarChip] = field(default_factory=list)


@dataclass
class CalendarHour:
    """A row of the week view: one hour, a cell per day."""

    hour: int
    cells: list[tuple[date, list[CalendarChip]]]


@dataclass
class Calendar:
    range: CalendarRange
    days: list[CalendarDay]
    chip_count: int

    @property
    def weeks(self) -> list[list[CalendarDay]]:
        return [self.days[n : n + 7] for n in range(0, len(self.days), 7)]

    @property
    def hours(self) -> list[CalendarHour]:
        """The week view's rows, 00:00 to 23:00; chips sorted into their hour."""
        rows = []
        for hour in range(24):
            cells = [(d.day, [c for c in d.chips if c.at.hour == hour]) for d in self.days]
            rows.append(CalendarHour(hour, cells))
        return rows


def movable_rule(membership: Membership) -> Callable[[Post], bool]:
    """Whether the calendar offers to move a post: what planning.post_reschedule allows (it
    decides; this only hides the handle). Costs at most one query, for contributors."""
    from content.services.approval import approval_needed

    def unlocked(post: Post) -> bool:
        return post.status != Post.Status.PUBLISHED and not any(
            t.status in _LOCKED_TARGETS for t in post.targets.all()
        )

    if can(membership, "content.schedule") and can(membership, "content.edit_any"):
        return unlocked
    if not can(membership, "content.create"):
        return lambda post: False
    # Contributors move their own posts; a scheduled one only where nothing needs approval
    # (mirrors planning.may_schedule for a post whose status is "scheduled").
    needs_approval = approval_needed(membership)

    def rule(post: Post) -> bool:
        if post.author_id != membership.user_id or not unlocked(post):
            return False
        return post.status != Post.Status.SCHEDULED or not needs_approval

    return rule


def _chips(post: Post, *, tz: ZoneInfo, url: str, movable: bool) -> list[CalendarChip]:
    at = post.scheduled_at.astimezone(tz)  # type: ignore[union-attr]
    targets = list(post.targets.all())
    if post.status in _EDITORIAL or not targets:
        style, label = post.status, str(post.get_status_display())
        each: list[PostTarget | None] = [*targets] or [None]
        return [CalendarChip(post, target, at, style, label, url, movable) for target in each]
    return [
        CalendarChip(
            post,
            target,
            at,
            _TARGET_STYLE.get(target.status, "scheduled"),
            str(target.get_status_display()),
            url,
            movable,
        )
        for target in targets
    ]


def calendar_get(
    *,
    membership: Membership,
    view: str,
    anchor: date,
    today: date,
    filters: PostFilters | None = None,
) -> Calendar:
    """The calendar of `membership`'s workspace: the month or week around `anchor`, each day
    with its chips in time order (one per post and channel; a post without channels gets one).

    Days are the workspace's days: a post at 23:30 in Amsterdam is on that day even though it
    is the next day in UTC. A fixed number of queries, whatever the number of posts.
    """
    workspace = membership.workspace
    rng = calendar_range(view=view, anchor=anchor, tz_name=workspace.timezone)
    tz = rng.tz
    movable = movable_rule(membership)
    by_day: dict[date, list[CalendarChip]] = defaultdict(list)
    count = 0
    for post in calendar_posts(workspace=workspace, start=rng.start, end=rng.end, filters=filters):
        post.workspace = workspace  # the chips' links need the slug; saves a query per post
        url = reverse("content:post_detail", args=[workspace.slug, post.pk])
        chips = _chips(post, tz=tz, url=url, movable=movable(post))
        by_day[chips[0].at.date()].extend(chips)
        count += len(chips)
    days = [
        CalendarDay(
            day=day,
            is_today=day == today,
            is_past=day < today,
            in_focus=rng.in_focus(day),
            chips=by_day.get(day, []),
        )
        for day in rng.days
    ]
    return Calendar(range=rng, days=days, chip_count=count)


def calendar_export_posts(
    *, workspace: Workspace, view: str, anchor: date, filters: PostFilters | None = None
) -> tuple[CalendarRange, QuerySet[Post]]:
    """The posts a calendar page with these parameters shows, for the exports."""
    rng = calendar_range(view=view, anchor=anchor, tz_name=workspace.timezone)
    return rng, calendar_posts(workspace=workspace, start=rng.start, end=rng.end, filters=filters)


# Filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterChoices:
    channels: list[Channel]
    campaigns: list[Campaign]
    authors: list[User]


def calendar_filter_choices(*, workspace: Workspace) -> FilterChoices:
    """What the calendar's filters offer: the workspace's channels, its campaigns (archived ones
    too: the calendar also looks back) and its members (three queries)."""
    channels = list(Channel.objects.for_workspace(workspace).order_by("platform", "handle", "pk"))
    campaigns = list(Campaign.objects.for_workspace(workspace).order_by("name", "pk"))
    authors = list(
        User.objects.filter(memberships__workspace=workspace).order_by("name", "email", "pk")
    )
    return FilterChoices(channels=channels, campaigns=campaigns, authors=authors)


# Moving ---------------------------------------------------------------------------------------


def moved_publish_time(
    *, current: datetime | None, day: date, at: time | None, tz_name: str
) -> datetime:
    """The new publish time of a post dragged to `day`: its wall-clock time of day in the
    workspace's zone is kept (so 09:00 stays 09:00 across a daylight saving change), unless
    `at` gives a new one (the week view's hour rows). Raises ValidationError for a post
    without a time to keep when no `at` is given."""
    tz = ZoneInfo(tz_name)
    if at is None:
        if current is None:
            raise ValidationError(_("This post has no publish time yet: pick a time too."))
        at = current.astimezone(tz).time().replace(tzinfo=None)
    return datetime.combine(day, at, tzinfo=tz)
