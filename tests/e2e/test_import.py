"""Importing posts from a CSV file in the browser: download the template, dry-run a 50-row file
for three channels with a few bad rows, import it, read the report per row, and fetch the rows
that were not imported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from content.models import ImportBatch, Post
from tests.e2e.conftest import SCREENSHOT_DIR
from tests.factories import ChannelFactory

BAD_ROWS = {7: "text", 19: "channel", 33: "time", 44: "text"}  # index in the file -> problem


def _plan() -> bytes:
    start = (timezone.now() + dt.timedelta(days=3)).astimezone(dt.UTC).date()
    channels = ["@tulip", "tulip@social.example", "tulip.bsky.social"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["publish_at", "channels", "text", "link", "status"])
    for i in range(50):
        at = f"{start + dt.timedelta(days=i // 5):%Y-%m-%d} {9 + i % 5:02d}:00"
        text = f"Coffee tip {i + 1}:\nbrew it a little cooler ☕"
        channel = channels[i % 3]
        status = "draft" if i % 10 == 9 else ""
        problem = BAD_ROWS.get(i)
        if problem == "text":
            text, channel = "Too long for X. " * 20, "@tulip"
        elif problem == "channel":
            channel = "@nobody"
        elif problem == "time":
            at = "31/02/2030 09:00"
        writer.writerow([at, channel, text, "https://tulip.example/tips", status])
    return ("\ufeff" + out.getvalue()).encode()


def test_import_fifty_posts_and_read_the_report(page: Page, log_in, bob, workspace) -> None:
    ChannelFactory(workspace=workspace, platform="x", handle="@tulip")
    ChannelFactory(workspace=workspace, platform="mastodon", handle="@tulip@social.example")
    ChannelFactory(workspace=workspace, platform="bluesky", handle="tulip.bsky.social")
    log_in(page, bob.email)
    page.goto(f"/w/{workspace.slug}/import/")
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Import posts from a CSV file")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / "import-upload.png", full_page=True)

    with page.expect_download() as download_info:
        main.get_by_role("link", name="Download a template").click()
    template = download_info.value
    assert template.suggested_filename == f"{workspace.slug}-posts-template.csv"
    assert "tulip" in open(template.path(), encoding="utf-8-sig").read()  # noqa: SIM115

    # A dry run first: nothing is imported, the report says what would happen.
    main.get_by_label("CSV file").set_input_files(
        {"name": "spring-plan.csv", "mimeType": "text/csv", "buffer": _plan()}
    )
    main.get_by_label("Dry run").check()
    main.get_by_role("button", name="Import").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("Dry run report")
    expect(page.locator(".messages")).to_contain_text("Dry run: 46 of 50 rows can be imported")
    assert not Post.objects.exists()

    main.get_by_role("button", name="Import the rows without errors").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("Import report")
    expect(page.locator(".messages")).to_contain_text(
        "Imported 46 of 50 rows; 4 were not imported."
    )
    rows = main.locator("tr.import-row")
    expect(rows).to_have_count(50)
    expect(main.locator("tr[data-status='error']")).to_have_count(4)
    expect(main.locator("#row-9")).to_contain_text("X counts")  # file index 7 = row 9
    expect(main.locator("#row-21")).to_contain_text("No channel “@nobody” in this workspace.")
    expect(main.locator("#row-35")).to_contain_text("is not a date and time")
    expect(main.locator("#row-2")).to_contain_text("Scheduled")
    expect(main.locator("#row-11")).to_contain_text("Draft")  # status "draft" in the file
    page.screenshot(path=SCREENSHOT_DIR / "import-report.png", full_page=False)
    main.locator("#row-9").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOT_DIR / "import-report-errors.png", full_page=False)

    batch = ImportBatch.objects.exclude(report__0__dry_run=True).get()
    assert batch.rows_imported == 46
    assert Post.objects.filter(source="csv").count() == 46

    with page.expect_download() as download_info:
        main.get_by_role("button", name=re.compile("Download the 4 rows with errors")).click()
    failed = download_info.value
    assert failed.suggested_filename == "spring-plan-not-imported.csv"
    table = list(csv.reader(open(failed.path(), encoding="utf-8-sig")))  # noqa: SIM115
    assert table[0][0] == "error" and len(table) == 5

    page.goto(f"/w/{workspace.slug}/import/")
    expect(main.locator(f"#batch-{batch.pk}")).to_contain_text("46 imported, 4 not imported")
    page.screenshot(path=SCREENSHOT_DIR / "import-list.png", full_page=True)
    main.locator(f"#batch-{batch.pk}").get_by_role("link").click()
    main.locator("#row-2").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/w/{workspace.slug}/posts/\d+/"))
