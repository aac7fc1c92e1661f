"""The content calendar in the browser: a scheduled post on the month view is dragged to another
day and stays there; a refused move puts the chip back with the reason; the week view moves a
post to another hour; the keyboard's "Move to…" form does the same without a mouse."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from content.models import Post
from smm.models import Workspace
from tests.content.test_calendar_factories import make_channel, make_post
from tests.e2e.conftest import SCREENSHOT_DIR

TZ = "Europe/Amsterdam"
AMS = ZoneInfo(TZ)


@pytest.fixture
def ams(workspace: Workspace) -> Workspace:
    workspace.timezone = TZ
    workspace.save(update_fields=["timezone"])
    return workspace


def next_month_day() -> date:
    """A Tuesday in the second week of next month: it and the two days after are in the future
    and in the same month."""
    today = timezone.localdate(timezone=AMS)
    first = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first + timedelta(days=7 + (1 - first.weekday()) % 7)


def shot(page: Page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"calendar-{name}.png", full_page=True)


def open_calendar(page: Page, ws: Workspace, query: str) -> None:
    # Tall enough that nothing scrolls: Chromium's synthetic drag picks its source at the
    # pre-scroll position when Playwright has to scroll the page first.
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(f"/w/{ws.slug}/calendar/{query}")


def day_cell(page: Page, day: date):
    return page.locator(f'#calendar .cal-day[data-date="{day.isoformat()}"]')


def test_drag_a_scheduled_post_to_another_day(page: Page, log_in, bob, ams) -> None:
    x = make_channel(ams, "x", handle="@tulipcoffee", display_name="Tulip Coffee")
    linkedin = make_channel(ams, "linkedin", handle="tulip-coffee", display_name="Tulip Coffee")
    day = next_month_day()
    post = make_post(
        ams,
        at=datetime.combine(day, time(9, 30), tzinfo=AMS),
        channels=[x, linkedin],
        author=bob,
        text="Spring roast is here. Order today!",
    )
    # Neighbours in other states, to see every style.
    make_post(
        ams,
        at=datetime.combine(day, time(15, 0), tzinfo=AMS),
        channels=[x],
        status=Post.Status.DRAFT,
        author=bob,
        text="Idea: latte art contest",
    )
    make_post(
        ams,
        at=datetime.combine(day + timedelta(days=1), time(11, 0), tzinfo=AMS),
        channels=[linkedin],
        status=Post.Status.IN_REVIEW,
        author=bob,
        text="Meet our new barista",
    )
    log_in(page, bob.email)
    open_calendar(page, ams, f"?date={day.isoformat()}")
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Calendar")
    expect(main.get_by_text(f"Times in {TZ}")).to_be_visible()
    # The workers never reported in this test: the calendar says so.
    expect(page.locator("#calendar-heartbeat")).to_contain_text("No worker has reported yet.")

    source = day_cell(page, day)
    chips = source.locator(f'.cal-chip[data-post-id="{post.pk}"]')
    expect(chips).to_have_count(2)  # one per channel
    expect(chips.first).to_contain_text("09:30")
    expect(chips.first.locator(".cal-badge")).to_have_text("in")  # LinkedIn sorts first
    shot(page, "month-before")

    target_day = day + timedelta(days=2)
    chips.first.drag_to(day_cell(page, target_day))
    expect(page.locator("#cal-status")).to_contain_text("Moved to")
    target_chips = day_cell(page, target_day).locator(f'.cal-chip[data-post-id="{post.pk}"]')
    expect(target_chips).to_have_count(2)  # both channels moved with it
    expect(chips).to_have_count(0)
    shot(page, "month-after-drag")

    post.refresh_from_db()
    local = post.scheduled_at.astimezone(AMS)
    assert (local.date(), local.time()) == (target_day, time(9, 30))
    assert {t.scheduled_at for t in post.targets.all()} == {post.scheduled_at}

    # After a reload the post is still on its new day.
    page.reload()
    expect(
        day_cell(page, target_day).locator(f'.cal-chip[data-post-id="{post.pk}"]')
    ).to_have_count(2)


def test_a_refused_move_puts_the_chip_back(page: Page, log_in, bob, ams) -> None:
    x = make_channel(ams, "x", handle="@tulipcoffee")
    # A post that should have gone out two months ago (say the workers were down).
    day = timezone.localdate(timezone=AMS).replace(day=10) - timedelta(days=60)
    post = make_post(ams, at=datetime.combine(day, time(9, 0), tzinfo=AMS), channels=[x])
    log_in(page, bob.email)
    open_calendar(page, ams, f"?date={day.isoformat()}")
    chip = day_cell(page, day).locator(f'.cal-chip[data-post-id="{post.pk}"]')
    chip.drag_to(day_cell(page, day + timedelta(days=1)))
    status = page.locator("#cal-status")
    expect(status).to_have_text("Pick a time in the future.")
    expect(status).to_have_class("cal-status error")
    expect(chip).to_have_count(1)  # back where it was
    shot(page, "month-refused")
    post.refresh_from_db()
    assert post.scheduled_at.astimezone(AMS).date() == day

    # This month: today is highlighted.
    page.get_by_role("button", name="Today").click()
    today = timezone.localdate(timezone=AMS)
    expect(day_cell(page, today)).to_have_attribute("aria-current", "date")
    shot(page, "month-today")


def test_week_view_moves_day_and_hour(page: Page, log_in, bob, ams) -> None:
    x = make_channel(ams, "x", handle="@tulipcoffee")
    day = next_month_day()
    post = make_post(
        ams,
        at=datetime.combine(day, time(9, 30), tzinfo=AMS),
        channels=[x],
        text="Cupping session on Friday",
    )
    make_post(
        ams,
        at=datetime.combine(day + timedelta(days=2), time(12, 15), tzinfo=AMS),
        channels=[x],
        status=Post.Status.PUBLISHED,
        text="Thank you for 10k followers",
    )
    log_in(page, bob.email)
    open_calendar(page, ams, f"?view=week&date={day.isoformat()}")
    expect(page.locator("#cal-title")).to_contain_text("Week")
    slot = page.locator(f'#calendar .cal-slot[data-date="{day.isoformat()}"][data-hour="9"]')
    chip = slot.locator(f'.cal-chip[data-post-id="{post.pk}"]')
    expect(chip).to_be_visible()
    published = page.locator("#calendar .cal-chip.st-published")
    expect(published).to_contain_text("✓")
    expect(published).not_to_have_attribute("draggable", "true")
    shot(page, "week-before")

    target_day = day + timedelta(days=1)
    target = page.locator(
        f'#calendar .cal-slot[data-date="{target_day.isoformat()}"][data-hour="14"]'
    )
    chip.drag_to(target)
    expect(page.locator("#cal-status")).to_contain_text("Moved to")
    expect(target.locator(f'.cal-chip[data-post-id="{post.pk}"]')).to_contain_text("14:30")
    shot(page, "week-after-drag")
    post.refresh_from_db()
    assert post.scheduled_at.astimezone(AMS) == datetime.combine(
        target_day, time(14, 30), tzinfo=AMS
    )


def test_move_with_the_keyboard(page: Page, log_in, bob, ams) -> None:
    x = make_channel(ams, "x", handle="@tulipcoffee")
    day = next_month_day()
    post = make_post(
        ams, at=datetime.combine(day, time(9, 30), tzinfo=AMS), channels=[x], text="Brew guide"
    )
    log_in(page, bob.email)
    open_calendar(page, ams, f"?date={day.isoformat()}")
    chip = page.locator(f'#calendar .cal-chip[data-post-id="{post.pk}"]')
    chip.locator("summary").focus()
    page.keyboard.press("Enter")
    form = chip.locator(".cal-move-form")
    expect(form).to_be_visible()
    shot(page, "move-form")
    target_day = day + timedelta(days=1)
    form.get_by_label("Move to").fill(target_day.isoformat())
    form.get_by_role("button", name="Move").press("Enter")
    expect(page.locator("#cal-status")).to_contain_text("Moved to")
    expect(
        day_cell(page, target_day).locator(f'.cal-chip[data-post-id="{post.pk}"]')
    ).to_be_visible()
    expect(form).to_be_hidden()
    post.refresh_from_db()
    assert post.scheduled_at.astimezone(AMS).date() == target_day
