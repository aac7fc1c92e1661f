"""The content area's "done means", end to end in the browser, as four people on one live server:

Cora (contributor) uploads a photo and composes a post for X, Mastodon and LinkedIn with it,
sees each channel's count and checks (an X version that is too long, then fixed) and previews
with the photo rendered to each platform's size, picks a date and time and submits it; Alice
(owner) has named Vera (viewer) approver, and Vera approves it from the Approvals page, which
schedules it; Bob (editor) finds it on the calendar, drags it two days later (it stays there
after a reload), then imports 50 posts from a CSV file and reads the report row by row.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from content.models import ImportBatch, MediaAsset, Post, PostTarget
from smm.models import Role
from tests.content.media_files import jpeg_bytes
from tests.e2e.content_helpers import (
    BAD_ROWS,
    csv_plan,
    day_cell,
    expected_rendition_size,
    next_month_day,
    shot,
)
from tests.factories import ChannelFactory, member

pytestmark = pytest.mark.browser

TEXT = "Our Huila single origin is in: red apple, panela, cocoa. Free tasting on Saturday!"
X_TOO_LONG = "Huila single origin, roasted light for pour-over. " * 7  # > 280 characters
ALT = "Green coffee beans from Huila in a jute sack"
X_TEXT = "New: Huila single origin. Red apple, panela, cocoa. Free tasting Sat!"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def channels(workspace):
    x = ChannelFactory(
        workspace=workspace, platform="x", handle="@tulipcoffee", display_name="Tulip Coffee"
    )
    mastodon = ChannelFactory(
        workspace=workspace,
        platform="mastodon",
        handle="@tulip@social.example",
        display_name="Tulip Coffee",
        instance_url="https://social.example",
    )
    linkedin = ChannelFactory(
        workspace=workspace,
        platform="linkedin",
        handle="tulip-coffee",
        display_name="Tulip Coffee B.V.",
    )
    return x, mastodon, linkedin


def _saved(page: Page) -> None:
    expect(page.locator("#composer")).to_have_attribute("data-state", "saved")
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"Saved \d\d:\d\d"))


def test_compose_approve_schedule_move_and_import(
    new_page, log_in, alice, bob, workspace, channels, tmp_path: Path
) -> None:
    x, mastodon, linkedin = channels
    zone = ZoneInfo(workspace.timezone)
    cora = member(workspace, Role.CONTRIBUTOR, email="cora@example.com", name="Cora Contributor")
    vera = member(workspace, Role.VIEWER, email="vera@example.com", name="Vera Viewer")

    # 0. Alice, the owner, names Vera (a viewer) as the approver.
    owner = new_page()
    log_in(owner, alice.email)
    owner.goto(f"/w/{workspace.slug}/content/settings/")
    settings_form = owner.locator("main")
    expect(
        settings_form.get_by_label("Contributors' posts need approval before they are scheduled")
    ).to_be_checked()
    settings_form.get_by_label("Vera Viewer · Viewer").check()
    settings_form.get_by_role("button", name="Save settings").click()
    expect(settings_form.get_by_text("Content settings saved.")).to_be_visible()
    shot(owner, "00-approver-named")

    # 1. Cora uploads a photo to the media library.
    photo = tmp_path / "huila-beans.jpg"
    photo.write_bytes(jpeg_bytes(2400, 1500, orientation=1))
    author = new_page()
    log_in(author, cora.email)
    author.goto(f"/w/{workspace.slug}/media/")
    main = author.locator("main")
    main.get_by_label("Upload images and videos").set_input_files(str(photo))
    main.get_by_role("button", name="Upload", exact=True).click()
    # One file: its page opens, to describe it.
    expect(author).to_have_url(re.compile(rf"/w/{workspace.slug}/media/\d+/$"))
    expect(main.get_by_role("heading", level=1)).to_have_text("huila-beans.jpg")
    main.get_by_label("Alt text").fill(ALT)
    main.get_by_role("button", name="Save").click()
    expect(main.get_by_text("Saved.")).to_be_visible()
    shot(author, "01-uploaded")
    asset = MediaAsset.objects.get(workspace=workspace)
    assert (asset.width, asset.height) == (2400, 1500)

    # 2. The composer: three channels, one text, the photo from the library.
    author.set_viewport_size({"width": 1280, "height": 2200})  # previews column all in view
    author.goto(f"/w/{workspace.slug}/posts/new/")
    for channel in (x, mastodon, linkedin):
        author.locator(f"label.composer-chip:has(input[value='{channel.pk}'])").click()
    author.locator("#id_text").fill(TEXT)
    expect(author).to_have_url(re.compile(rf"/w/{workspace.slug}/posts/\d+/$"))
    author.locator("#panel-master [data-open-library]").click()
    author.locator(f"#media-library .media-pick[data-asset-id='{asset.pk}']").click()
    expect(author.locator("#panel-master .media-item")).to_have_count(1)

    # Counted each platform's way; every channel is fine.
    counters = author.locator("#composer-counters")
    for channel, limit in ((x, 280), (mastodon, 500), (linkedin, 3000)):
        expect(counters.locator(f"[data-channel='{channel.pk}']")).to_contain_text(f"/{limit}")
    expect(author.locator(".check-summary")).to_contain_text("Ready for every channel.")
    submit = author.get_by_role("button", name="Submit for approval")
    expect(submit).to_be_enabled()
    shot(author, "02-composed")

    # 3. A version of its own for X that is too long: an error, and no submitting...
    author.locator(f"#tab-{x.pk}").click()
    x_text = author.locator(f"#v{x.pk}-text")
    x_text.fill(X_TOO_LONG)
    x_result = author.locator(f".channel-result[data-channel='{x.pk}']")
    expect(x_result.locator("[data-code='text_too_long']")).to_be_visible()
    expect(counters.locator(f"[data-channel='{x.pk}']")).to_have_class(re.compile(r"\bover\b"))
    expect(submit).to_be_disabled()
    expect(author.locator("[data-blocked-note]")).to_be_visible()
    # ... while the other channels keep the text for all and stay fine.
    for channel in (mastodon, linkedin):
        result = author.locator(f".channel-result[data-channel='{channel.pk}']")
        expect(result.locator(".result-state")).to_have_text("OK")
    shot(author, "03-x-too-long")

    # ... until it is shortened.
    x_text.fill(X_TEXT)
    expect(x_result.locator("[data-code='text_too_long']")).to_have_count(0)
    expect(x_result.locator(".pv-text")).to_contain_text("Free tasting Sat!")
    expect(author.locator(f"#tab-{x.pk} .custom-mark")).to_be_visible()
    expect(submit).to_be_enabled()

    # 4. Each preview shows the photo as rendered for its platform, at that platform's size.
    sizes = {}
    for channel in (x, mastodon, linkedin):
        image = author.locator(f".channel-result[data-channel='{channel.pk}'] .pv-media img")
        expect(image).to_have_count(1)
        src = image.get_attribute("src") or ""
        assert src == reverse(
            "content:media_rendition", args=[workspace.slug, asset.pk, channel.platform, "crop"]
        )
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0
        expect(image).to_have_attribute("alt", ALT)
        response = author.request.get(urljoin(author.url, src))
        assert response.status == 200, (channel.platform, response.status)
        assert response.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(response.body())) as rendered:
            sizes[channel.platform] = rendered.size
        assert sizes[channel.platform] == expected_rendition_size(asset, channel.platform)
    # 2400x1500 fits in X's 1200x675, Mastodon's 1920x1080 and LinkedIn's 1200x627 boxes.
    assert sizes == {"x": (1080, 675), "mastodon": (1728, 1080), "linkedin": (1003, 627)}
    _saved(author)
    shot(author, "04-x-fixed-previews")

    # 5. A date and time (in the workspace's time zone), then off to the approvers.
    day = next_month_day(workspace.timezone)
    author.locator("#id_publish_date").fill(day.isoformat())
    author.locator("#id_publish_time").fill("09:30")
    expect(author.locator(".composer-planning .tz")).to_have_text(workspace.timezone)
    submit.click()
    expect(author.locator(".messages")).to_contain_text(
        "Sent for approval. The approvers have been told."
    )
    panel = author.locator("#approval-panel")
    expect(panel.locator(".approval-status")).to_have_text("Awaiting approval")
    expect(panel.get_by_text("Waiting for approval by Vera Viewer.")).to_be_visible()
    # What was sent is what the server saved: no "newer copy in this browser" to restore.
    expect(author.locator("#composer")).to_have_attribute("data-post-id", re.compile(r"\d+"))
    expect(author.locator("#restore-banner")).to_be_hidden()
    shot(author, "05-submitted")
    post = Post.objects.get(workspace=workspace)
    assert post.status == Post.Status.IN_REVIEW
    assert post.author_id == cora.pk
    assert post.scheduled_at == datetime.combine(day, time(9, 30), tzinfo=zone)

    # 6. Vera approves it from the Approvals page: it is scheduled.
    approver = new_page()
    log_in(approver, vera.email)
    approver.goto(f"/w/{workspace.slug}/approvals/")
    row = approver.locator(f"#approval-row-{post.pk}")
    expect(row).to_contain_text("Our Huila single origin is in")
    expect(row).to_contain_text("Cora Contributor")
    for handle in ("@tulipcoffee", "@tulip@social.example", "tulip-coffee"):
        expect(row).to_contain_text(handle)
    shot(approver, "06-approval-queue")
    row.get_by_role("button", name="Approve").click()
    expect(row.get_by_text("Approved and scheduled.")).to_be_visible()
    shot(approver, "07-approved")
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert post.approved_by_label == "Vera Viewer"
    targets = {t.channel_id: t for t in post.targets.all()}
    assert set(targets) == {x.pk, mastodon.pk, linkedin.pk}
    assert all(t.status == PostTarget.Status.SCHEDULED for t in targets.values())
    assert targets[x.pk].text == X_TEXT and targets[linkedin.pk].text is None
    assert post.media_items.count() == 1

    # 7. Bob, an editor, sees it on the calendar and drags it two days later.
    editor = new_page()
    log_in(editor, bob.email)
    # Tall enough that nothing scrolls: a synthetic drag picks its source before any scroll.
    editor.set_viewport_size({"width": 1280, "height": 1400})
    editor.goto(f"/w/{workspace.slug}/calendar/?date={day.isoformat()}")
    expect(editor.locator("main").get_by_role("heading", level=1)).to_have_text("Calendar")
    chips = day_cell(editor, day).locator(f'.cal-chip[data-post-id="{post.pk}"]')
    expect(chips).to_have_count(3)  # one per channel
    expect(chips.first).to_contain_text("09:30")
    shot(editor, "08-calendar-before")
    target_day = day + timedelta(days=2)
    chips.first.drag_to(day_cell(editor, target_day))
    expect(editor.locator("#cal-status")).to_contain_text("Moved to")
    moved = day_cell(editor, target_day).locator(f'.cal-chip[data-post-id="{post.pk}"]')
    expect(moved).to_have_count(3)
    expect(chips).to_have_count(0)
    shot(editor, "09-calendar-dragged")
    editor.reload()
    expect(moved).to_have_count(3)
    expect(chips).to_have_count(0)
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert post.scheduled_at == datetime.combine(target_day, time(9, 30), tzinfo=zone)
    assert {t.scheduled_at for t in post.targets.all()} == {post.scheduled_at}

    # 8. Bob imports 50 posts for the three channels; three rows are wrong.
    editor.goto(f"/w/{workspace.slug}/import/")
    main = editor.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Import posts from a CSV file")
    plan_bytes = csv_plan(["@tulipcoffee", "tulip@social.example", "tulip-coffee"])
    main.get_by_label("CSV file").set_input_files(
        {"name": "brew-tips.csv", "mimeType": "text/csv", "buffer": plan_bytes}
    )
    main.get_by_role("button", name="Import").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("Import report")
    expect(editor.locator(".messages")).to_contain_text(
        "Imported 47 of 50 rows; 3 were not imported."
    )
    expect(main.locator("tr.import-row")).to_have_count(50)
    expect(main.locator("tr[data-status='error']")).to_have_count(3)
    bad = {index + 2: problem for index, problem in BAD_ROWS.items()}  # + header, 1-based
    for number in bad:
        expect(main.locator(f"#row-{number}")).to_have_attribute("data-status", "error")
    x_row, channel_row, date_row = sorted(bad)
    expect(main.locator(f"#row-{x_row}")).to_contain_text("X counts")
    expect(main.locator(f"#row-{channel_row}")).to_contain_text(
        "No channel “@nobody-here” in this workspace."
    )
    expect(main.locator(f"#row-{date_row}")).to_contain_text("is not a date and time")
    expect(main.locator("#row-2")).to_contain_text("Scheduled")
    shot(editor, "10-import-report", full_page=False)
    main.locator(f"#row-{x_row}").scroll_into_view_if_needed()
    shot(editor, "11-import-report-errors", full_page=False)

    batch = ImportBatch.objects.get(workspace=workspace)
    assert (batch.rows_total, batch.rows_imported) == (50, 47)
    imported = Post.objects.filter(workspace=workspace, source="csv")
    assert imported.count() == 47
    per_channel = {
        c.platform: PostTarget.objects.filter(post__in=imported, channel=c).count()
        for c in (x, mastodon, linkedin)
    }
    assert per_channel == {"x": 17, "mastodon": 17, "linkedin": 13}
