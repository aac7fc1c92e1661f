"""Helpers for the content journey browser test: screenshots, dates relative to now in the
workspace's time zone, the size each platform's rendition should have, and a generated CSV
plan with a few bad rows."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from playwright.sync_api import Locator, Page

from channels_app.specs import PLATFORM_SPECS
from content.media.renditions import plan
from content.models import MediaAsset
from tests.e2e.conftest import SCREENSHOT_DIR


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    """var/test-screenshots/journey-<name>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"journey-{name}.png", full_page=full_page)


def next_month_day(tz_name: str) -> date:
    """A Tuesday in the second week of next month (in `tz_name`): it and the two days after are
    in the future and in the same month, so one month view of the calendar shows all three."""
    today = timezone.localdate(timezone=ZoneInfo(tz_name))
    first = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first + timedelta(days=7 + (1 - first.weekday()) % 7)


def day_cell(page: Page, day: date) -> Locator:
    return page.locator(f'#calendar .cal-day[data-date="{day.isoformat()}"]')


def expected_rendition_size(asset: MediaAsset, platform: str, fit: str = "crop") -> tuple[int, int]:
    """The pixel size the rendition of `asset` for `platform` must have (the plan's)."""
    the_plan = plan(
        asset.width or 0,
        asset.height or 0,
        PLATFORM_SPECS[platform].images,
        fit,
        asset.focal_x,
        asset.focal_y,
    )
    return the_plan.width, the_plan.height


# Index in the file (0-based, header not counted) -> what is wrong with that row.
BAD_ROWS = {5: "too long for X", 26: "unknown channel", 41: "not a date"}


def csv_plan(channels: list[str], *, rows: int = 50) -> bytes:
    """A `rows`-row CSV (semicolons, UTF-8 with BOM, as spreadsheets save it) that spreads the
    posts over `channels` (handles) from three days from now, with the BAD_ROWS broken."""
    start = (timezone.now() + timedelta(days=3)).date()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["publish_at", "channels", "text", "link"])
    for i in range(rows):
        at = f"{start + timedelta(days=i // 4):%Y-%m-%d} {8 + i % 4 * 2:02d}:15"
        channel = channels[i % len(channels)]
        text = f"Brew tip {i + 1}: grind just before brewing ☕"
        problem = BAD_ROWS.get(i)
        if problem == "too long for X":
            channel, text = channels[0], "Far too long for one tweet. " * 15
        elif problem == "unknown channel":
            channel = "@nobody-here"
        elif problem == "not a date":
            at = "next Tuesday-ish"
        writer.writerow([at, channel, text, "https://tulip.example/brew"])
    return ("\ufeff" + out.getvalue()).encode()
