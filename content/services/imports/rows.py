"""Understanding one row of a CSV file of posts: the channels and campaign it names (looked up
the ways a CSV may write them), its publish time in the workspace's zone, and whether it asks
to be scheduled, as a PostInput with the problems found in its cells."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channels_app.models import Channel, Platform
from content.models import Campaign, Post
from content.services.checks import PostInput
from content.services.imports.reading import ParsedRow, undo_formula_guard
from smm.models import Workspace

# Platform names people write before a handle ("twitter:@tulip").
PLATFORM_ALIASES = {"twitter": Platform.X.value, "ig": Platform.INSTAGRAM.value}
# Statuses an export writes that the import takes as drafts (approval is not carried over).
DRAFT_STATUSES = {
    Post.Status.IN_REVIEW.value,
    Post.Status.CHANGES_REQUESTED.value,
    Post.Status.APPROVED.value,
    Post.Status.PUBLISHED.value,
    Post.Status.FAILED.value,
}

_check_url = URLValidator(schemes=["http", "https"])


def normalise_handle(value: str) -> str:
    return value.strip().casefold().lstrip("@")


@dataclass
class Lookups:
    """The workspace's channels and campaigns, indexed the ways a CSV may name them."""

    tz: ZoneInfo
    by_id: dict[str, Channel]
    by_handle: dict[str, list[Channel]]
    campaigns: dict[str, Campaign]

    @classmethod
    def for_workspace(cls, workspace: Workspace) -> Lookups:
        channels = list(Channel.objects.for_workspace(workspace).order_by("pk"))
        by_handle: dict[str, list[Channel]] = {}
        for channel in channels:
            if channel.handle:
                by_handle.setdefault(normalise_handle(channel.handle), []).append(channel)
        campaigns: dict[str, Campaign] = {}
        # Names first, slugs after: a slug wins where a name and a slug collide.
        ordered = list(Campaign.objects.for_workspace(workspace).order_by("pk"))
        for campaign in ordered:
            campaigns.setdefault(campaign.name.strip().casefold(), campaign)
        for campaign in ordered:
            campaigns[campaign.slug.casefold()] = campaign
        return cls(
            tz=ZoneInfo(workspace.timezone),
            by_id={str(c.pk): c for c in channels},
            by_handle=by_handle,
            campaigns=campaigns,
        )

    def channel(self, token: str) -> tuple[Channel | None, str]:
        """The channel `token` names, or None and why not."""
        token = undo_formula_guard(token.strip())
        if token.isdigit() and token in self.by_id:
            return self.by_id[token], ""
        platform = ""
        handle = token
        if ":" in token:
            prefix, _sep, rest = token.partition(":")
            prefix = prefix.strip().casefold()
            prefix = PLATFORM_ALIASES.get(prefix, prefix)
            labels = {p.label.casefold(): p.value for p in Platform}
            if prefix in Platform.values or prefix in labels:
                platform = labels.get(prefix, prefix)
                handle = rest
        found = self.by_handle.get(normalise_handle(handle), [])
        if platform:
            found = [c for c in found if c.platform == platform]
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, _("No channel “%(channel)s” in this workspace.") % {"channel": token}
        options = ", ".join(f"{c.platform}:{c.handle}" for c in found)
        return None, _("“%(channel)s” could be several channels; write one of %(options)s.") % {
            "channel": token,
            "options": options,
        }


def parse_publish_at(value: str, tz: ZoneInfo) -> datetime:
    """An aware datetime for a publish_at cell: ISO 8601 (with or without a UTC offset) or
    "YYYY-MM-DD HH:MM"; without an offset it is wall-clock time in `tz`. Raises ValueError with
    a message for the report."""
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(
            _("publish_at “%(value)s” has no time: write e.g. %(value)s 09:00.") % {"value": value}
        )
    # "2026-03-30 9:00" (a spreadsheet dropped the leading zero): pad the hour.
    fixed = re.sub(r"^(\d{4}-\d{2}-\d{2})[ T](\d):", r"\1 0\2:", value)
    try:
        parsed = datetime.fromisoformat(fixed)
    except ValueError:
        raise ValueError(
            _(
                "publish_at “%(value)s” is not a date and time. Write it as 2026-03-30 09:00 "
                "(year-month-day hour:minute); if a spreadsheet changed it, format the column "
                "as text."
            )
            % {"value": value}
        ) from None
    if parsed.tzinfo is not None:
        return parsed
    aware = parsed.replace(tzinfo=tz)
    # A wall-clock time skipped when the clocks go forward does not exist in this zone.
    if aware.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) != parsed:
        raise ValueError(
            _("publish_at %(value)s does not exist in %(zone)s (the clocks change then).")
            % {"value": value, "zone": str(tz)}
        )
    return aware


@dataclass
class RowPlan:
    """What a row asks for, and what is wrong with it before the post itself is checked."""

    data: PostInput
    schedule: bool
    channels: list[Channel]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    channels_named: bool = False  # the channels cell named some (maybe unknown) channels


def plan_row(row: ParsedRow, lookups: Lookups, *, may_schedule: bool) -> RowPlan:
    """Read one row's cells into a PostInput; problems with the cells go to `errors`."""
    values = row.values
    errors: list[str] = []
    warnings: list[str] = []
    if row.extra_cells:
        errors.append(
            ngettext(
                "The row has %(count)s cell more than the header: put text with a delimiter in "
                "quotes.",
                "The row has %(count)s cells more than the header: put text with a delimiter in "
                "quotes.",
                row.extra_cells,
            )
            % {"count": row.extra_cells}
        )
    channels: list[Channel] = []
    cell = re.sub(r"\s*:\s*", ":", values.get("channels", ""))
    tokens = [t for t in re.split(r"[,;\s]+", cell) if t]
    for token in tokens:
        channel, problem = lookups.channel(token)
        if channel is None:
            errors.append(problem)
        elif channel not in channels:
            channels.append(channel)
    publish_at = None
    if values.get("publish_at", "").strip():
        try:
            publish_at = parse_publish_at(values["publish_at"], lookups.tz)
        except ValueError as exc:
            errors.append(str(exc))
    campaign_id = None
    campaign_name = values.get("campaign", "").strip()
    if campaign_name:
        campaign = lookups.campaigns.get(campaign_name.casefold())
        if campaign is None:
            errors.append(
                _("No campaign “%(campaign)s” in this workspace (use its slug or name).")
                % {"campaign": campaign_name}
            )
        else:
            campaign_id = campaign.pk
    link = values.get("link", "").strip()
    if link:
        try:
            _check_url(link)
        except ValidationError:
            errors.append(
                _("The link “%(link)s” is not a web address (https://…).") % {"link": link}
            )
    status = values.get("status", "").strip().casefold()
    if status == "scheduled":
        schedule = True
    elif status == "draft":
        schedule = False
    elif status in DRAFT_STATUSES:
        schedule = False
        warnings.append(
            _("Status “%(status)s” is not imported: the row becomes a new draft.")
            % {"status": status}
        )
    elif not status:
        schedule = publish_at is not None and may_schedule
        if publish_at is not None and not may_schedule:
            warnings.append(
                _("Imported as a draft: your posts need approval before they are scheduled.")
            )
    else:
        schedule = False
        errors.append(
            _("Status “%(status)s” is unknown: write draft or scheduled (or leave it empty).")
            % {"status": values["status"].strip()}
        )
    data = PostInput(
        text=values.get("text", "").strip("\r\n"),
        title=values.get("title", "").strip(),
        link=link,
        first_comment=values.get("first_comment", "").strip("\r\n"),
        channel_ids=[c.pk for c in channels],
        campaign_id=campaign_id,
        scheduled_at=publish_at,
    )
    return RowPlan(data, schedule, channels, errors, warnings, channels_named=bool(tokens))
