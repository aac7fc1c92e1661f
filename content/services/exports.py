"""Exports of planned posts: an iCalendar feed (one event per post) and a CSV file in the shape
the CSV import reads back.

Both take posts as content.selectors.posts.calendar_posts returns them (targets and channels
prefetched) and write nothing.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.models import Channel
from content.models import Post
from smm.models import Workspace

CSV_COLUMNS = (
    "publish_at",
    "channels",
    "text",
    "link",
    "first_comment",
    "title",
    "campaign",
    "status",
    "id",
)
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection). A leading
# tab or carriage return is how the same trick hides from a first look.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Calendar apps draw a zero-length event badly; a post gets a short slot.
EVENT_LENGTH = timedelta(minutes=15)
PRODID = "-//Ripple//Content calendar//EN"
# Posts on the schedule (or gone out) are CONFIRMED events; drafts and posts in review TENTATIVE.
_CONFIRMED = (Post.Status.SCHEDULED, Post.Status.PUBLISHED, Post.Status.FAILED)


def csv_safe(value: str) -> str:
    """`value` with a leading apostrophe if a spreadsheet would run it as a formula, or if it
    starts with an apostrophe itself (so that csv_unescape gives back exactly `value`)."""
    return "'" + value if value.startswith((*FORMULA_STARTS, "'")) else value


def csv_unescape(value: str) -> str:
    """The inverse of csv_safe, for the CSV import: drops the apostrophe csv_safe added."""
    if len(value) > 1 and value[0] == "'" and value[1] in (*FORMULA_STARTS, "'"):
        return value[1:]
    return value


def _channel_names(workspace: Workspace) -> dict[int, str]:
    """Channel id -> how the CSV names it: its handle, or its id where two of the workspace's
    channels share a handle (the same name on two platforms)."""
    channels = list(Channel.objects.for_workspace(workspace).only("pk", "handle"))
    counts = Counter(c.handle for c in channels if c.handle)
    return {c.pk: c.handle if c.handle and counts[c.handle] == 1 else str(c.pk) for c in channels}


def posts_csv(*, workspace: Workspace, posts: Iterable[Post]) -> str:
    """The posts as CSV text, with a byte order mark so Excel reads it as UTF-8.

    Columns (CSV_COLUMNS): publish_at in the workspace's zone as ISO 8601 with its UTC offset
    (2026-03-30T09:00+02:00; empty without a time), channels as comma-separated handles (or ids
    where a handle is ambiguous), the master text, link, first comment and title, the campaign's
    slug, the post's status and its id. Cells a spreadsheet would run as formulas get a leading
    apostrophe (csv_safe; the import undoes it with csv_unescape). One query for the channel
    names on top of the posts' own.
    """
    tz = ZoneInfo(workspace.timezone)
    names = _channel_names(workspace)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for post in posts:
        at = (
            post.scheduled_at.astimezone(tz).isoformat(timespec="minutes")
            if post.scheduled_at
            else ""
        )
        channels = ",".join(names.get(t.channel_id, str(t.channel_id)) for t in post.targets.all())
        row = [
            at,
            channels,
            post.text,
            post.link,
            post.first_comment,
            post.title,
            post.campaign.slug if post.campaign_id and post.campaign else "",
            post.status,
            str(post.pk),
        ]
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()


def _site_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "ripple.invalid"


def post_event_uid(post: Post) -> str:
    """The event's UID: the same for a post in every export, so a calendar app updates the
    event instead of adding a second one."""
    return f"post-{post.pk}@{_site_host()}"


def posts_ics(
    *, workspace: Workspace, posts: Iterable[Post], name: str = "", now: datetime | None = None
) -> bytes:
    """The posts as an iCalendar file (RFC 5545): one VEVENT per post with a time.

    UID stable per post (post_event_uid), DTSTART in UTC, 15 minutes long, SUMMARY the first line
    of the text, DESCRIPTION the text and the channels, URL the post's page (SITE_URL), STATUS
    TENTATIVE for posts not on the schedule yet, SEQUENCE the post's version (so an edit
    replaces the event in calendar apps that imported it).
    """
    stamp = (now or timezone.now()).astimezone(ZoneInfo("UTC"))
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name or _("%(workspace)s posts") % {"workspace": workspace.name})
    cal.add("x-wr-timezone", workspace.timezone)
    for post in posts:
        if post.scheduled_at is None:
            continue
        start = post.scheduled_at.astimezone(ZoneInfo("UTC"))
        channels = [
            f"{t.channel.get_platform_display()} {t.channel.handle or t.channel.display_name}"
            for t in post.targets.all()
        ]
        lines = (post.text or post.title).strip().splitlines()
        summary = lines[0] if lines else _("Post %(id)s") % {"id": post.pk}
        description = post.text or post.title
        if channels:
            description += "\n\n" + _("Channels: %(channels)s") % {"channels": ", ".join(channels)}
        event = icalendar.Event()
        event.add("uid", post_event_uid(post))
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + EVENT_LENGTH)
        event.add("summary", summary[:200])
        event.add("description", description)
        event.add(
            "url",
            settings.SITE_URL + reverse("content:post_detail", args=[workspace.slug, post.pk]),
        )
        event.add("status", "CONFIRMED" if post.status in _CONFIRMED else "TENTATIVE")
        event.add("sequence", post.version)
        event.add("last-modified", post.updated_at.astimezone(ZoneInfo("UTC")))
        if post.campaign_id and post.campaign:
            event.add("categories", [post.campaign.name])
        cal.add_component(event)
    return cal.to_ical()
