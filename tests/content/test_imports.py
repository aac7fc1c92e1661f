"""CSV import of posts: reading files, matching channels and campaigns, checking and saving each
row on its own, scheduling in the workspace's zone, the failed-rows file and the template."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from content.models import Campaign, CampaignObjective, ImportBatch, Post, PostTarget
from content.selectors.imports import failed_rows_csv, import_report, template_csv
from content.services import imports as services
from content.services.approval import settings_for
from content.services.exports import CSV_COLUMNS, posts_csv
from content.services.imports import parse_publish_at, posts_import, read_csv
from smm.models import ActivityEvent, Membership, Role, Workspace
from tests.factories import ChannelFactory, member

AMS = ZoneInfo("Europe/Amsterdam")


def _future(days: int = 10, hour: int = 9) -> dt.datetime:
    day = timezone.now().astimezone(AMS).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, 0))


def _csv(rows: list[list[str]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    workspace.timezone = "Europe/Amsterdam"
    workspace.save(update_fields=["timezone"])
    return workspace


@pytest.fixture
def channels(ws: Workspace) -> dict[str, object]:
    return {
        "x": ChannelFactory(workspace=ws, platform="x", handle="@tulip"),
        "mastodon": ChannelFactory(
            workspace=ws, platform="mastodon", handle="@tulip@mastodon.social"
        ),
        "bluesky": ChannelFactory(workspace=ws, platform="bluesky", handle="tulip.bsky.social"),
    }


@pytest.fixture
def editor(ws: Workspace, bob) -> Membership:
    return Membership.objects.get(workspace=ws, user=bob)


def _import(ws: Workspace, membership: Membership, raw: bytes, **kw: object) -> ImportBatch:
    return posts_import(workspace=ws, membership=membership, raw=raw, filename="plan.csv", **kw)


def _rows(batch: ImportBatch) -> list[dict]:
    return batch.report[1:]


# Reading files ---------------------------------------------------------------------------------


def test_utf8_with_bom_and_semicolons_and_multiline_text() -> None:
    raw = _csv(
        [
            ["publish_at", "channels", "text"],
            ["2030-01-02 09:00", "@tulip;@other", "Line one\nLine two; with a semicolon"],
        ],
        delimiter=";",
        bom=True,
    )
    parsed = read_csv(raw)
    assert parsed.delimiter == ";"
    assert parsed.encoding == "utf-8"
    assert parsed.columns == ["publish_at", "channels", "text"]  # the BOM is not in the name
    assert parsed.rows[0].values["text"] == "Line one\nLine two; with a semicolon"
    assert parsed.rows[0].values["channels"] == "@tulip;@other"
    assert parsed.warnings == []


def test_tabs_and_header_names_are_normalised() -> None:
    parsed = read_csv(b"Publish At\tChannels\tTEXT\n2030-01-02 09:00\t@tulip\tHello\n")
    assert parsed.delimiter == "\t"
    assert parsed.columns == ["publish_at", "channels", "text"]
    assert parsed.rows[0].values == {
        "publish_at": "2030-01-02 09:00",
        "channels": "@tulip",
        "text": "Hello",
    }


def test_windows_1252_is_read_with_a_warning() -> None:
    raw = "channels,text\r\n@tulip,Caf\u00e9 cr\u00e8me \u20ac3\r\n".encode("cp1252")
    parsed = read_csv(raw)
    assert parsed.encoding == "windows-1252"
    assert parsed.rows[0].values["text"] == "Caf\u00e9 cr\u00e8me \u20ac3"
    assert "Windows-1252" in parsed.warnings[0]


def test_utf16_from_excel_unicode_text() -> None:
    raw = "channels\ttext\r\n@tulip\tH\u00e9llo \U0001f337\r\n".encode("utf-16")
    parsed = read_csv(raw)
    assert parsed.encoding == "utf-16"
    assert parsed.rows[0].values["text"] == "H\u00e9llo \U0001f337"


def test_empty_lines_are_skipped_but_counted_like_a_spreadsheet() -> None:
    raw = b'channels,text\r\n\r\n@tulip,first\r\n,,\r\n@tulip,"two\nlines"\r\n@tulip,third\r\n'
    parsed = read_csv(raw)
    assert [r.number for r in parsed.rows] == [3, 5, 6]
    assert parsed.header_row == 1


def test_unknown_and_media_columns_are_reported() -> None:
    parsed = read_csv(
        b"channels,text,media_url,colour,id,error\n@tulip,Hi,https://x/y.jpg,red,7,\n"
    )
    assert len(parsed.warnings) == 2
    assert "media_url" in parsed.warnings[0] and "composer" in parsed.warnings[0]
    assert "colour" in parsed.warnings[1] and "unknown" in parsed.warnings[1]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"channels,text\n", "no posts"),
        (b"publish_at,text\n2030-01-01 09:00,Hi\n", "“channels”"),
        (b"channels,text,text\n@a,b,c\n", "more than once"),
        (b"PK\x03\x04\x00\x00binary", "Excel"),
        (b"channels,text\n@a,\x81\x8d\x8f\x90\x9d\n", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_files_that_cannot_be_imported(raw: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        read_csv(raw)
    assert message in " ".join(err.value.message_dict["file"])


def test_limits_of_size_and_rows() -> None:
    too_many = _csv([["channels", "text"]] + [["@a", f"post {i}"] for i in range(2001)])
    with pytest.raises(ValidationError, match="2,001 rows; at most 2,000"):
        read_csv(too_many)
    assert len(read_csv(_csv([["channels", "text"]] + [["@a", "p"]] * 2000)).rows) == 2000
    big = b"channels,text\n@a," + b"x" * (services.MAX_BYTES + 1)
    with pytest.raises(ValidationError, match="limit is 2 MB"):
        read_csv(big)


def test_publish_at_formats_in_the_workspace_zone() -> None:
    assert parse_publish_at("2030-03-30 09:00", AMS) == dt.datetime(2030, 3, 30, 9, 0, tzinfo=AMS)
    assert parse_publish_at("2030-03-30 9:00", AMS) == dt.datetime(2030, 3, 30, 9, 0, tzinfo=AMS)
    assert parse_publish_at("2030-04-02T09:00:00", AMS).utcoffset() == dt.timedelta(hours=2)
    assert parse_publish_at("2030-01-10T09:00+05:00", AMS) == dt.datetime(
        2030, 1, 10, 4, 0, tzinfo=dt.UTC
    )
    assert parse_publish_at("2030-01-10T08:00Z", AMS) == dt.datetime(2030, 1, 10, 8, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="no time"):
        parse_publish_at("2030-03-30", AMS)
    with pytest.raises(ValueError, match="year-month-day"):
        parse_publish_at("30/03/2030 09:00", AMS)
    with pytest.raises(ValueError, match="does not exist"):  # clocks jump from 02:00 to 03:00
        parse_publish_at("2030-03-31 02:30", AMS)


# Importing -------------------------------------------------------------------------------------


def test_rows_become_scheduled_posts_and_drafts_in_the_workspace_zone(ws, channels, editor) -> None:
    at = _future()
    raw = _csv(
        [
            ["publish_at", "channels", "text", "link", "title", "status"],
            [
                f"{at:%Y-%m-%d %H:%M}",
                "@tulip, tulip@mastodon.social",
                "Spring roast!",
                "https://shop.example/roast",
                "",
                "",
            ],
            ["", "TULIP.bsky.social", "An idea", "", "", ""],
            [f"{at:%Y-%m-%d} 14:30", "x:@tulip", "Planned, kept as draft", "", "", "draft"],
        ]
    )
    batch = _import(ws, editor, raw)
    rows = _rows(batch)
    assert [r["status"] for r in rows] == ["scheduled", "draft", "draft"]
    assert [r["row"] for r in rows] == [2, 3, 4]
    assert batch.rows_total == 3 and batch.rows_imported == 3
    first = Post.objects.get(pk=rows[0]["post_id"])
    assert first.status == Post.Status.SCHEDULED
    assert first.source == "csv"
    assert first.scheduled_at == at.replace(tzinfo=AMS)
    assert first.link == "https://shop.example/roast"
    assert {t.channel_id for t in first.targets.all()} == {
        channels["x"].pk,
        channels["mastodon"].pk,
    }
    assert set(first.targets.values_list("status", flat=True)) == {PostTarget.Status.SCHEDULED}
    draft = Post.objects.get(pk=rows[2]["post_id"])
    assert draft.status == Post.Status.DRAFT
    assert draft.scheduled_at == dt.datetime.combine(at.date(), dt.time(14, 30), tzinfo=AMS)
    assert ActivityEvent.objects.filter(verb="posts.imported", target_id=str(batch.pk)).exists()
    assert batch.content.startswith("publish_at,channels")


def test_text_too_long_for_x_fails_that_row_only(ws, channels, editor) -> None:
    at = f"{_future():%Y-%m-%d %H:%M}"
    raw = _csv(
        [
            ["publish_at", "channels", "text"],
            [at, "@tulip", "Fits"],
            [at, "@tulip, tulip@mastodon.social", "x" * 300],
            [at, "tulip@mastodon.social", "x" * 300],
        ]
    )
    batch = _import(ws, editor, raw)
    rows = _rows(batch)
    assert [r["status"] for r in rows] == ["scheduled", "error", "scheduled"]
    assert rows[1]["post_id"] is None
    assert rows[1]["errors"] == ["X @tulip: X counts 300 of 280 characters."]
    assert batch.rows_imported == 2
    assert Post.objects.filter(workspace=ws).count() == 2


def test_problems_with_cells_are_all_reported(ws, channels, editor) -> None:
    Campaign.objects.create(
        workspace=ws, name="Spring Roast", slug="spring-roast", objective=CampaignObjective.TRAFFIC
    )
    ChannelFactory(workspace=ws, platform="threads", handle="@tulip")  # same handle as on X
    raw = _csv(
        [
            ["publish_at", "channels", "text", "link", "campaign", "status"],
            ["soon", "@nobody", "Hi", "not a link", "autumn", "later"],
            ["", "@tulip", "Hi", "", "", ""],
            ["", "threads:@tulip", "Hi", "", "SPRING ROAST", ""],
            ["", f"{channels['x'].pk}", "By id", "", "spring-roast", ""],
        ]
    )
    rows = _rows(_import(ws, editor, raw))
    errors = " | ".join(rows[0]["errors"])
    for part in (
        "“soon”",
        "No channel “@nobody”",
        "not a web address",
        "No campaign “autumn”",
        "“later” is unknown",
    ):
        assert part in errors
    assert "Pick at least one channel" not in errors
    assert "could be several channels" in rows[1]["errors"][0]
    assert "x:@tulip" in rows[1]["errors"][0] and "threads:@tulip" in rows[1]["errors"][0]
    assert rows[2]["status"] == "draft"
    assert rows[3]["status"] == "draft"
    campaign = Campaign.objects.get(slug="spring-roast")
    assert Post.objects.get(pk=rows[2]["post_id"]).campaign == campaign
    assert Post.objects.get(pk=rows[3]["post_id"]).targets.get().channel == channels["x"]


def test_past_time_for_a_scheduled_row_is_an_error(ws, channels, editor) -> None:
    raw = _csv([["publish_at", "channels", "text"], ["2020-01-01 09:00", "@tulip", "Late"]])
    rows = _rows(_import(ws, editor, raw))
    assert rows[0]["status"] == "error"
    assert "The publish time has passed" in rows[0]["errors"][0]


def test_status_scheduled_without_time_is_an_error(ws, channels, editor) -> None:
    raw = _csv([["channels", "text", "status"], ["@tulip", "When?", "scheduled"]])
    rows = _rows(_import(ws, editor, raw))
    assert rows[0]["status"] == "error"
    assert "Pick a date and time" in rows[0]["errors"][0]


def test_channel_that_needs_media_makes_a_draft(ws, channels, editor) -> None:
    ChannelFactory(workspace=ws, platform="instagram", handle="@tulip.ig")
    at = f"{_future():%Y-%m-%d %H:%M}"
    rows = _rows(
        _import(ws, editor, _csv([["publish_at", "channels", "text"], [at, "tulip.ig", "Hi"]]))
    )
    assert rows[0]["status"] == "draft"
    assert any("add an image or video" in w for w in rows[0]["warnings"])


def test_contributor_who_needs_approval_gets_drafts(ws, channels) -> None:
    settings_for(ws)  # approval_required is on by default
    user = member(ws, Role.CONTRIBUTOR)
    contributor = Membership.objects.get(workspace=ws, user=user)
    at = f"{_future():%Y-%m-%d %H:%M}"
    raw = _csv(
        [
            ["publish_at", "channels", "text", "status"],
            [at, "@tulip", "No status given", ""],
            [at, "@tulip", "Asked to be scheduled", "scheduled"],
        ]
    )
    rows = _rows(_import(ws, contributor, raw))
    assert [r["status"] for r in rows] == ["draft", "draft"]
    assert "need approval" in rows[0]["warnings"][0]
    assert "Imported as a draft, not scheduled" in rows[1]["warnings"][-1]
    posts = Post.objects.filter(pk__in=[r["post_id"] for r in rows])
    assert {p.status for p in posts} == {Post.Status.DRAFT}
    assert all(p.scheduled_at is not None for p in posts)


def test_contributor_without_approval_schedules(ws, channels) -> None:
    content_settings = settings_for(ws)
    content_settings.approval_required = False
    content_settings.save()
    user = member(ws, Role.CONTRIBUTOR)
    contributor = Membership.objects.get(workspace=ws, user=user)
    at = f"{_future():%Y-%m-%d %H:%M}"
    rows = _rows(
        _import(ws, contributor, _csv([["publish_at", "channels", "text"], [at, "@tulip", "Go"]]))
    )
    assert rows[0]["status"] == "scheduled"


def test_dry_run_saves_nothing_but_the_report(ws, channels, editor) -> None:
    at = f"{_future():%Y-%m-%d %H:%M}"
    raw = _csv(
        [["publish_at", "channels", "text"], [at, "@tulip", "Fine"], [at, "@tulip", "y" * 281]]
    )
    batch = _import(ws, editor, raw, dry_run=True)
    assert [r["status"] for r in _rows(batch)] == ["scheduled", "error"]
    assert batch.report[0]["dry_run"] is True
    assert batch.rows_imported == 0
    assert not Post.objects.filter(workspace=ws).exists()
    assert not ActivityEvent.objects.filter(verb="posts.imported").exists()

    real = services.import_batch_confirm(batch=batch, membership=editor)
    assert real.pk != batch.pk
    assert [r["status"] for r in _rows(real)] == ["scheduled", "error"]
    assert Post.objects.filter(workspace=ws).count() == 1
    with pytest.raises(ValidationError, match="imported already"):
        services.import_batch_confirm(batch=real, membership=editor)


def test_failed_rows_round_trip(ws, channels, editor) -> None:
    at = f"{_future():%Y-%m-%d %H:%M}"
    raw = _csv(
        [
            ["publish_at", "channels", "text", "first_comment", "colour"],
            [at, "@tulip", "Good", "", "red"],
            [at, "@tulip", "-" + "z" * 300, "=SUM(A1)", "blue"],
            [at, "@nobody", "Line one\nLine two", "", "green"],
        ],
        delimiter=";",
    )
    batch = _import(ws, editor, raw)
    failed = failed_rows_csv(batch=batch)
    assert failed.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(failed.lstrip("\ufeff"))))
    assert table[0] == ["error", "publish_at", "channels", "text", "first_comment", "colour"]
    assert len(table) == 3
    assert "280" in table[1][0]
    assert table[1][3] == "'-" + "z" * 300  # guarded against spreadsheet formulas
    assert table[1][4] == "'=SUM(A1)"
    assert table[2][3] == "Line one\nLine two"
    assert "@nobody" in table[2][0]

    # Fixed in a spreadsheet and uploaded again: the error column and the guards are undone.
    table[1][3] = "-" + "z" * 10
    table[2][2] = "'@tulip"
    out = io.StringIO()
    csv.writer(out).writerows(table)
    again = _import(ws, editor, ("\ufeff" + out.getvalue()).encode())
    rows = _rows(again)
    assert [r["status"] for r in rows] == ["scheduled", "scheduled"]
    assert again.report[0]["warnings"] == [
        "The column “colour” is unknown and not imported. Known columns: "
        + ", ".join(services.COLUMNS)
        + "."
    ]
    post = Post.objects.get(pk=rows[0]["post_id"])
    assert post.text == "-" + "z" * 10
    assert post.first_comment == "=SUM(A1)"
    assert failed_rows_csv(batch=again) == ""


def test_export_output_imports_as_it_is(ws, channels, editor) -> None:
    Campaign.objects.create(
        workspace=ws, name="Spring", slug="spring", objective=CampaignObjective.TRAFFIC
    )
    at = f"{_future():%Y-%m-%d %H:%M}"
    raw = _csv(
        [
            ["publish_at", "channels", "text", "campaign"],
            [at, "@tulip,tulip@mastodon.social", "Exported", "spring"],
            ["", "tulip.bsky.social", "A draft", ""],
        ]
    )
    first = _import(ws, editor, raw)
    posts = Post.objects.filter(pk__in=[r["post_id"] for r in _rows(first)]).order_by("pk")
    exported = posts_csv(
        workspace=ws, posts=posts.prefetch_related("targets").select_related("campaign")
    )
    parsed = read_csv(exported.encode())
    assert parsed.warnings == []  # id and status are known columns
    assert parsed.columns == list(CSV_COLUMNS)
    second = _import(ws, editor, exported.encode())
    assert [r["status"] for r in _rows(second)] == ["scheduled", "draft"]
    copy = Post.objects.get(pk=_rows(second)[0]["post_id"])
    assert copy.campaign.slug == "spring"
    assert copy.scheduled_at == posts[0].scheduled_at
    assert {t.channel_id for t in copy.targets.all()} == {channels["x"].pk, channels["mastodon"].pk}


def test_statuses_from_an_export_become_drafts(ws, channels, editor) -> None:
    at = f"{_future():%Y-%m-%d %H:%M}"
    raw = _csv(
        [["publish_at", "channels", "text", "status"], [at, "@tulip", "Was approved", "approved"]]
    )
    rows = _rows(_import(ws, editor, raw))
    assert rows[0]["status"] == "draft"
    assert "“approved” is not imported" in rows[0]["warnings"][0]


def test_disconnected_channel_is_an_error(ws, channels, editor) -> None:
    channels["x"].status = "disconnected"
    channels["x"].save()
    rows = _rows(_import(ws, editor, _csv([["channels", "text"], ["@tulip", "Hi"]])))
    assert rows[0]["status"] == "error"
    assert "disconnected" in rows[0]["errors"][0]


def test_extra_cells_are_an_error(ws, channels, editor) -> None:
    rows = _rows(_import(ws, editor, b"channels,text\n@tulip,Hello, world\n"))
    assert rows[0]["status"] == "error"
    assert "1 cell more than the header" in rows[0]["errors"][0]


def test_other_workspace_channels_and_campaigns_are_not_found(
    ws, channels, editor, other_workspace
) -> None:
    theirs = ChannelFactory(workspace=other_workspace, platform="x", handle="@rival")
    Campaign.objects.create(
        workspace=other_workspace, name="Rival", slug="rival", objective=CampaignObjective.TRAFFIC
    )
    raw = _csv(
        [["channels", "text", "campaign"], [str(theirs.pk), "Hi", ""], ["@rival", "Hi", "rival"]]
    )
    rows = _rows(_import(ws, editor, raw))
    assert [r["status"] for r in rows] == ["error", "error"]
    assert f"No channel “{theirs.pk}”" in rows[0]["errors"][0]
    assert "No campaign “rival”" in " ".join(rows[1]["errors"])


def test_report_selector_and_template(ws, channels, editor) -> None:
    template = template_csv(workspace=ws)
    parsed = read_csv(template.encode())
    assert parsed.columns == list(services.COLUMNS)
    assert "tulip" in parsed.rows[0].values["channels"]
    batch = _import(ws, editor, template.encode())
    report = import_report(batch)
    assert report.failed == 0, report.rows
    assert (report.scheduled, report.drafts) == (2, 1)
    Post.objects.filter(pk=report.rows[0].post_id).delete()
    assert import_report(batch).rows[0].post_exists is False


def test_template_without_channels_still_reads(ws) -> None:
    parsed = read_csv(template_csv(workspace=ws).encode())
    assert parsed.rows[0].values["channels"] == "your_handle"


@pytest.mark.postgres
def test_fifty_rows_with_a_bad_one_in_the_middle(ws, channels, editor) -> None:
    at = _future()
    names = ["@tulip", "tulip@mastodon.social", "tulip.bsky.social"]
    body = [["publish_at", "channels", "text"]]
    for i in range(50):
        text = "x" * 400 if i == 24 else f"Post number {i}"
        body.append([f"{at + dt.timedelta(hours=i):%Y-%m-%d %H:%M}", names[i % 3], text])
    batch = _import(ws, editor, _csv(body))
    rows = _rows(batch)
    assert len(rows) == 50
    assert rows[24]["status"] == "error" and rows[24]["row"] == 26
    assert batch.rows_imported == 49
    assert (
        Post.objects.filter(workspace=ws, status=Post.Status.SCHEDULED, source="csv").count() == 49
    )
    assert (
        PostTarget.objects.filter(post__workspace=ws, status=PostTarget.Status.SCHEDULED).count()
        == 49
    )
