"""content.services.exports and their download views: the iCalendar file parses back, the CSV has
the import's columns, and spreadsheet formulas are defused."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse

from content.models import Post
from content.selectors.posts import calendar_posts
from content.services import exports
from smm.models import Role, Workspace
from tests.content.test_calendar_factories import make_campaign, make_channel, make_post
from tests.factories import member

AMS = ZoneInfo("Europe/Amsterdam")
UTC = ZoneInfo("UTC")
AT = datetime(2026, 3, 20, 9, 30, tzinfo=AMS)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ams(workspace: Workspace) -> Workspace:
    workspace.timezone = "Europe/Amsterdam"
    workspace.save(update_fields=["timezone"])
    return workspace


@pytest.fixture
def posts(ams: Workspace) -> list[Post]:
    x = make_channel(ams, "x", handle="@tulipcoffee")
    bluesky = make_channel(ams, "bluesky", handle="tulip.coffee")
    campaign = make_campaign(ams, slug="spring-roast", name="Spring roast")
    first = make_post(
        ams,
        at=AT,
        channels=[x, bluesky],
        text="Spring roast is here.\nOrder today.",
        link="https://shop.example/spring",
        first_comment="Use code SPRING",
        title="Spring",
        campaign=campaign,
    )
    second = make_post(
        ams, at=AT + timedelta(days=1), channels=[x], status=Post.Status.DRAFT, text="Draft idea"
    )
    return [first, second]


def in_march(ws: Workspace):
    return calendar_posts(
        workspace=ws,
        start=datetime(2026, 3, 1, tzinfo=AMS),
        end=datetime(2026, 4, 1, tzinfo=AMS),
    )


# iCalendar ----------------------------------------------------------------------------------


def test_ics_parses_back_with_one_event_per_post(ams, posts) -> None:
    first, second = posts
    cal = icalendar.Calendar.from_ical(exports.posts_ics(workspace=ams, posts=in_march(ams)))
    assert str(cal["version"]) == "2.0"
    assert str(cal["x-wr-timezone"]) == "Europe/Amsterdam"
    events = cal.walk("VEVENT")
    assert len(events) == 2
    event = events[0]
    assert str(event["uid"]) == f"post-{first.pk}@testserver"
    start = event.decoded("dtstart")
    assert start == datetime(2026, 3, 20, 8, 30, tzinfo=UTC)
    assert start.utcoffset() == timedelta(0)
    assert "DTSTART:20260320T083000Z" in exports.posts_ics(workspace=ams, posts=[first]).decode()
    assert str(event["summary"]) == "Spring roast is here."
    description = str(event["description"])
    assert description.startswith("Spring roast is here.\nOrder today.")
    assert "Channels: Bluesky tulip.coffee, X @tulipcoffee" in description
    assert str(event["url"]) == "http://testserver" + reverse(
        "content:post_detail", args=[ams.slug, first.pk]
    )
    assert str(event["status"]) == "CONFIRMED"
    assert str(events[1]["status"]) == "TENTATIVE"
    assert events[1]["uid"] == f"post-{second.pk}@testserver"


def test_ics_uid_is_stable_and_sequence_follows_edits(ams, posts) -> None:
    first = posts[0]
    before = icalendar.Calendar.from_ical(exports.posts_ics(workspace=ams, posts=[first]))
    Post.objects.filter(pk=first.pk).update(version=5, text="Changed")
    first.refresh_from_db()
    after = icalendar.Calendar.from_ical(exports.posts_ics(workspace=ams, posts=[first]))
    (old,), (new,) = before.walk("VEVENT"), after.walk("VEVENT")
    assert old["uid"] == new["uid"]
    assert (old.decoded("sequence"), new.decoded("sequence")) == (1, 5)
    assert str(new["summary"]) == "Changed"


def test_ics_skips_posts_without_a_time_and_survives_empty_text(ams) -> None:
    untimed = make_post(ams, at=None, channels=[], status=Post.Status.DRAFT)
    empty = make_post(ams, at=AT, channels=[], status=Post.Status.DRAFT, text="")
    cal = icalendar.Calendar.from_ical(exports.posts_ics(workspace=ams, posts=[untimed, empty]))
    (event,) = cal.walk("VEVENT")
    assert str(event["summary"]) == f"Post {empty.pk}"


# CSV ----------------------------------------------------------------------------------------


def read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_has_the_import_columns(ams, posts) -> None:
    first, second = posts
    text = exports.posts_csv(workspace=ams, posts=in_march(ams))
    assert text.splitlines()[0] == "\ufeff" + ",".join(exports.CSV_COLUMNS)
    rows = read_csv(text)
    assert rows[0] == {
        "publish_at": "2026-03-20T09:30+01:00",
        "channels": "tulip.coffee,@tulipcoffee",  # by platform, as the post's targets are
        "text": "Spring roast is here.\nOrder today.",
        "link": "https://shop.example/spring",
        "first_comment": "Use code SPRING",
        "title": "Spring",
        "campaign": "spring-roast",
        "status": "scheduled",
        "id": str(first.pk),
    }
    assert (rows[1]["status"], rows[1]["campaign"], rows[1]["id"]) == ("draft", "", str(second.pk))
    # A handle first is defused like any cell starting with "@"; the import undoes it.
    assert rows[1]["channels"] == "'@tulipcoffee"
    assert exports.csv_unescape(rows[1]["channels"]) == "@tulipcoffee"
    assert datetime.fromisoformat(rows[0]["publish_at"]) == AT


def test_csv_names_a_channel_by_id_where_its_handle_is_ambiguous(ams) -> None:
    x = make_channel(ams, "x", handle="tulip")
    mastodon = make_channel(ams, "mastodon", handle="tulip")
    make_post(ams, at=AT, channels=[x, mastodon])
    (row,) = read_csv(exports.posts_csv(workspace=ams, posts=in_march(ams)))
    assert sorted(row["channels"].split(",")) == sorted([str(x.pk), str(mastodon.pk)])


def test_csv_publish_at_uses_summer_time_offsets(ams) -> None:
    make_post(ams, at=datetime(2026, 3, 30, 9, 0, tzinfo=AMS), channels=[])
    (row,) = read_csv(exports.posts_csv(workspace=ams, posts=in_march(ams)))
    assert row["publish_at"] == "2026-03-30T09:00+02:00"


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        (
            '=HYPERLINK("https://evil.example","click")',
            '\'=HYPERLINK("https://evil.example","click")',
        ),
        ("+31 20 123", "'+31 20 123"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("'quoted", "''quoted"),
        ("Plain text = fine", "Plain text = fine"),
        ("", ""),
    ],
)
def test_formula_injection_guard_round_trips(typed: str, written: str) -> None:
    assert exports.csv_safe(typed) == written
    assert exports.csv_unescape(written) == typed


def test_csv_cells_are_defused(ams) -> None:
    make_post(
        ams,
        at=AT,
        channels=[],
        text="=cmd|' /C calc'!A0",
        first_comment="+1 for coffee",
        title="-",
        status=Post.Status.DRAFT,
    )
    (row,) = read_csv(exports.posts_csv(workspace=ams, posts=in_march(ams)))
    assert row["text"] == "'=cmd|' /C calc'!A0"
    assert row["first_comment"] == "'+1 for coffee"
    assert row["title"] == "'-"


# The download views -------------------------------------------------------------------------


def test_downloads_follow_the_calendars_range_and_filters(client, ams, posts) -> None:
    viewer = member(ams, Role.VIEWER)
    client.force_login(viewer)
    ics = client.get(
        reverse("content:calendar_export_ics", args=[ams.slug]),
        {"view": "week", "date": "2026-03-18"},
    )
    assert ics.status_code == 200
    assert ics["Content-Type"] == "text/calendar; charset=utf-8"
    assert ics["Content-Disposition"] == (
        f'attachment; filename="{ams.slug}-posts-2026-03-16-2026-03-22.ics"'
    )
    assert len(icalendar.Calendar.from_ical(ics.content).walk("VEVENT")) == 2

    csv_response = client.get(
        reverse("content:posts_export_csv", args=[ams.slug]),
        {"date": "2026-03-18", "status": "draft"},
    )
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == (
        f'attachment; filename="{ams.slug}-posts-2026-02-23-2026-04-05.csv"'
    )
    assert csv_response.content.startswith("\ufeff".encode())
    rows = read_csv(csv_response.content.decode("utf-8"))
    assert [r["id"] for r in rows] == [str(posts[1].pk)]
    # Another month has nothing.
    empty = client.get(reverse("content:posts_export_csv", args=[ams.slug]), {"date": "2026-05-01"})
    assert read_csv(empty.content.decode()) == []


def test_exports_hold_only_the_workspaces_posts(client, alice, ams, posts, other_workspace) -> None:
    make_post(other_workspace, at=AT, channels=[make_channel(other_workspace)], text="Theirs")
    client.force_login(alice)
    response = client.get(
        reverse("content:posts_export_csv", args=[ams.slug]), {"date": date(2026, 3, 1)}
    )
    assert "Theirs" not in response.content.decode()
    assert len(read_csv(response.content.decode())) == 2
