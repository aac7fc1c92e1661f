"""Writing a post in the browser: three channels, an image from the library, per-channel
checks and previews, a customised X version, autosave surviving a reload and a logout, then
scheduling."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from channels_app.models import ChannelGuidelines
from content.models import HashtagGroup, Post, PostTarget
from smm.models import Role
from tests.content.test_composer_factories import image_asset
from tests.e2e.conftest import SCREENSHOT_DIR
from tests.factories import ChannelFactory, member

LONG = (
    "Our new Huila single origin is in: notes of red apple, panela and a long cocoa finish. "
    "We roasted it a touch lighter than usual so the fruit comes through in a pour-over. "
    "Drop by the bar this weekend for a free tasting, or order a bag for home brewing today!"
)


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
    ChannelGuidelines.objects.filter(channel=linkedin).update(
        tone_of_voice="Professional, warm; no slang.", banned_words=["cheap"]
    )
    return x, mastodon, linkedin


def _saved(page: Page) -> None:
    """Wait until the composer has saved what was typed last."""
    expect(page.locator("#composer")).to_have_attribute("data-state", "saved")
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"Saved \d\d:\d\d"))


def _shot(page: Page, name: str) -> None:
    """A picture of the whole page; a tall window so the sticky previews column shows all."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 2200})
    page.screenshot(path=SCREENSHOT_DIR / f"composer-{name}.png", full_page=True)
    if size:
        page.set_viewport_size(size)


def test_compose_for_three_channels_customise_and_schedule(
    page: Page, new_page, log_in, alice, workspace, channels
):
    x, mastodon, linkedin = channels
    image_asset(workspace, name="huila-beans.jpg")
    HashtagGroup.objects.create(workspace=workspace, name="Coffee", hashtags=["coffee", "huila"])
    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/posts/new/")
    form = page.locator("#composer")
    for channel in (x, mastodon, linkedin):
        form.locator(f"label.composer-chip:has(input[value='{channel.pk}'])").click()
    text = page.locator("#id_text")
    text.fill(LONG + " It is not cheap, it is good.")
    # The first autosave creates the draft and this page becomes its page.
    expect(page).to_have_url(re.compile(rf"/w/{workspace.slug}/posts/\d+/$"))
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"Saved \d\d:\d\d"))
    post = Post.objects.get()

    # Counted each platform's way; X is over its limit, which blocks scheduling.
    counters = page.locator("#composer-counters")
    expect(counters.locator(f"[data-channel='{x.pk}']")).to_contain_text("/280")
    expect(counters.locator(f"[data-channel='{mastodon.pk}']")).to_contain_text("/500")
    expect(counters.locator(f"[data-channel='{linkedin.pk}']")).to_contain_text("/3000")
    x_result = page.locator(f".channel-result[data-channel='{x.pk}']")
    expect(x_result.locator("[data-code='text_too_long']")).to_be_visible()
    li_result = page.locator(f".channel-result[data-channel='{linkedin.pk}']")
    expect(li_result.locator("[data-code='guideline_banned_word']")).to_contain_text("cheap")
    expect(li_result.locator("[data-code='tone_of_voice']")).to_contain_text("no slang")
    expect(page.get_by_role("button", name="Schedule")).to_be_disabled()

    # An image from the library, and a hashtag group at the cursor.
    page.locator("#panel-master [data-open-library]").click()
    page.locator("#media-library .media-pick").first.click()
    expect(page.locator("#panel-master .media-item")).to_have_count(1)
    text.press("End")
    page.locator("#panel-master .insert-menu summary").first.click()
    page.get_by_role("button", name="Coffee").click()
    expect(text).to_have_value(re.compile(r"#coffee #huila$"))
    expect(page.locator(".pv--linkedin .pv-media img")).to_have_count(1)
    expect(page.locator(".pv--x .pv-tag").first).to_have_text("#coffee")
    _shot(page, "1-three-channels")

    # A shorter version for X only; the others keep the master text.
    page.locator(f"#tab-{x.pk}").click()
    x_text = page.locator(f"#v{x.pk}-text")
    expect(x_text).to_have_value(re.compile(r"^Our new Huila"))
    x_text.fill("New: Huila single origin. Red apple, panela, cocoa. Free tasting Sat! #coffee")
    expect(page.locator(f"#tab-{x.pk} .custom-mark")).to_be_visible()
    expect(x_result.locator("[data-code='text_too_long']")).to_have_count(0)
    expect(page.locator(f".channel-result[data-channel='{x.pk}'] .pv-text")).to_contain_text(
        "Free tasting Sat!"
    )
    # LinkedIn still carries a guideline warning, but warnings don't block.
    expect(page.get_by_role("button", name="Schedule")).to_be_enabled()
    _saved(page)
    _shot(page, "2-x-customised")

    # A reload keeps everything (it was autosaved).
    page.reload()
    expect(page.locator("#id_text")).to_have_value(re.compile(r"^Our new Huila"))
    expect(page.locator(f"#v{x.pk}-text")).to_have_value(re.compile(r"^New: Huila"))
    expect(page.locator("#restore-banner")).to_be_hidden()

    # Schedule for tomorrow, 09:30 in the workspace's time zone.
    zone = ZoneInfo(workspace.timezone)
    tomorrow = (timezone.now() + timedelta(days=1)).astimezone(zone).date()
    page.locator("#id_publish_date").fill(tomorrow.isoformat())
    page.locator("#id_publish_time").fill("09:30")
    expect(page.locator(".composer-planning .tz")).to_have_text(workspace.timezone)
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator(".messages")).to_contain_text("Scheduled for")
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    targets = {t.channel_id: t for t in post.targets.all()}
    assert all(t.status == PostTarget.Status.SCHEDULED for t in targets.values())
    assert targets[x.pk].text.startswith("New: Huila") and targets[linkedin.pk].text is None
    assert post.media_items.count() == 1
    assert post.scheduled_at.astimezone(zone).strftime("%H:%M") == "09:30"
    _shot(page, "3-scheduled")

    # A viewer gets the read-only page: previews and each channel's state, no composer.
    viewer = member(workspace, Role.VIEWER, email="vera@example.com")
    other = new_page()
    log_in(other, viewer.email)
    other.goto(f"/w/{workspace.slug}/posts/{post.pk}/")
    expect(other.locator("#composer")).to_have_count(0)
    expect(other.locator(".target-states tbody tr")).to_have_count(3)
    expect(other.locator(".pv--x .pv-text")).to_contain_text("Free tasting Sat!")
    expect(other.get_by_role("button", name="Delete post")).to_have_count(0)
    _shot(other, "6-read-only")


def test_logged_out_text_is_kept_and_offered_back(page: Page, log_in, alice, workspace, channels):
    x, _mastodon, _linkedin = channels
    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/posts/new/")
    page.locator(f"label.composer-chip:has(input[value='{x.pk}'])").click()
    page.locator("#id_text").fill("First words")
    _saved(page)
    url = page.url

    # The session ends (timeout, logout elsewhere); the user keeps typing.
    page.context.clear_cookies()
    page.locator("#id_text").fill("First words and a lot more that must not be lost")
    expect(page.locator("#autosave-status")).to_contain_text("you were logged out")
    _shot(page, "4-logged-out")

    # Logging in again and coming back offers the copy kept in this browser.
    log_in(page, alice.email)
    page.goto(url)
    banner = page.locator("#restore-banner")
    expect(banner).to_be_visible()
    expect(page.locator("#id_text")).to_have_value("First words")
    _shot(page, "5-restore-offer")
    banner.get_by_role("button", name="Restore my copy").click()
    expect(page.locator("#id_text")).to_have_value(
        "First words and a lot more that must not be lost"
    )
    _saved(page)
    assert Post.objects.get().text == "First words and a lot more that must not be lost"


def test_two_tabs_conflict_is_reported_not_overwritten(
    new_page, log_in, alice, workspace, channels
):
    x, _mastodon, _linkedin = channels
    first = new_page()
    log_in(first, alice.email)
    first.goto(f"/w/{workspace.slug}/posts/new/")
    first.locator(f"label.composer-chip:has(input[value='{x.pk}'])").click()
    first.locator("#id_text").fill("Tab one")
    _saved(first)
    second = first.context.new_page()
    second.goto(first.url)
    second.locator("#id_text").fill("Tab two wins")
    _saved(second)
    first.locator("#id_text").fill("Tab one again")
    expect(first.locator("#autosave-status")).to_contain_text("changed in another tab")
    assert Post.objects.get().text == "Tab two wins"
