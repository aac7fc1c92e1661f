"""Reads of tracked links: the link list with clicks per day and conversions, tracking keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, QuerySet, Sum
from django.shortcuts import get_object_or_404

from channels_app.models import Channel
from content.models import Campaign, Conversion, LinkClickDaily, ShortLink, TrackingKey
from smm.models import Workspace

DEFAULT_DAYS = 30
# The little bar chart of a link's clicks per day (SVG user units).
CHART_HEIGHT = 28
BAR_WIDTH = 4
BAR_GAP = 1


@dataclass(frozen=True)
class DayClicks:
    day: date
    clicks: int


@dataclass(frozen=True)
class Bar:
    day: date
    clicks: int
    x: int
    y: int
    height: int


@dataclass(frozen=True)
class ConversionTotal:
    currency: str  # "" for conversions without a value
    count: int
    value: Decimal


@dataclass
class LinkRow:
    """One short link with its clicks of the last `days` days (oldest first, zeros included)
    and its conversions per currency."""

    link: ShortLink
    days: list[DayClicks]
    conversions: list[ConversionTotal] = field(default_factory=list)

    @property
    def recent_clicks(self) -> int:
        return sum(d.clicks for d in self.days)

    @property
    def peak(self) -> int:
        return max((d.clicks for d in self.days), default=0)

    @property
    def chart_width(self) -> int:
        return len(self.days) * (BAR_WIDTH + BAR_GAP) - BAR_GAP

    @property
    def bars(self) -> list[Bar]:
        """One bar per day, scaled to this link's busiest day; a day without clicks gets a
        1-unit stub so the time axis stays visible."""
        peak = self.peak
        bars = []
        for n, d in enumerate(self.days):
            height = max(1, round(d.clicks / peak * CHART_HEIGHT)) if peak else 1
            bars.append(
                Bar(
                    day=d.day,
                    clicks=d.clicks,
                    x=n * (BAR_WIDTH + BAR_GAP),
                    y=CHART_HEIGHT - height,
                    height=height,
                )
            )
        return bars

    @property
    def conversion_count(self) -> int:
        return sum(c.count for c in self.conversions)

    @property
    def conversion_values(self) -> list[ConversionTotal]:
        return [c for c in self.conversions if c.currency]


def link_list(
    *, workspace: Workspace, campaign_id: int | None = None, channel_id: int | None = None
) -> QuerySet[ShortLink]:
    """`workspace`'s short links, newest first, with post, channel and campaign loaded;
    optionally only those of one campaign and/or one channel."""
    qs = ShortLink.objects.for_workspace(workspace).select_related("post", "channel", "campaign")
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if channel_id is not None:
        qs = qs.filter(channel_id=channel_id)
    return qs.order_by("-created_at", "-pk")


def link_rows(
    *, links: Sequence[ShortLink], today: date, days: int = DEFAULT_DAYS
) -> list[LinkRow]:
    """`links` as LinkRows: clicks per day for the `days` days ending `today` (the caller's
    local date, normally the workspace's) and conversions per currency. Two queries."""
    start = today - timedelta(days=days - 1)
    ids = [link.pk for link in links]
    per_day: dict[int, dict[date, int]] = defaultdict(dict)
    conversions: dict[int, list[ConversionTotal]] = defaultdict(list)
    if ids:
        for link_id, day, clicks in LinkClickDaily.objects.filter(
            link_id__in=ids, day__range=(start, today)
        ).values_list("link_id", "day", "clicks"):
            per_day[link_id][day] = clicks
        totals = (
            Conversion.objects.filter(link_id__in=ids)
            .values("link_id", "currency")
            .annotate(n=Count("pk"), total=Sum("value"))
            .order_by("link_id", "currency")
        )
        for row in totals:
            conversions[row["link_id"]].append(
                ConversionTotal(
                    currency=row["currency"],
                    count=row["n"],
                    value=row["total"] or Decimal("0"),
                )
            )
    calendar = [start + timedelta(days=n) for n in range(days)]
    return [
        LinkRow(
            link=link,
            days=[DayClicks(day=d, clicks=per_day[link.pk].get(d, 0)) for d in calendar],
            conversions=conversions.get(link.pk, []),
        )
        for link in links
    ]


def link_get_by_code_unscoped(*, code: str) -> ShortLink | None:
    """The short link with `code` in any workspace (the public redirect), or None."""
    return ShortLink.objects.only("pk", "code", "destination_url").filter(code=code).first()


def link_filter_choices(*, workspace: Workspace) -> tuple[list[Campaign], list[Channel]]:
    """The campaigns and channels of `workspace` that have short links, for the list's filter."""
    campaigns = list(
        Campaign.objects.for_workspace(workspace)
        .filter(pk__in=ShortLink.objects.for_workspace(workspace).values("campaign_id"))
        .order_by("name")
    )
    channels = list(
        Channel.objects.for_workspace(workspace)
        .filter(pk__in=ShortLink.objects.for_workspace(workspace).values("channel_id"))
        .order_by("platform", "handle")
    )
    return campaigns, channels


def tracking_key_list(*, workspace: Workspace) -> QuerySet[TrackingKey]:
    """`workspace`'s tracking keys, active first, newest first."""
    return (
        TrackingKey.objects.for_workspace(workspace)
        .select_related("created_by")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-pk")
    )


def tracking_key_get(*, workspace: Workspace, key_id: int) -> TrackingKey:
    """One tracking key of `workspace`. Raises Http404 for another workspace's key."""
    return get_object_or_404(TrackingKey.objects.for_workspace(workspace), pk=key_id)
