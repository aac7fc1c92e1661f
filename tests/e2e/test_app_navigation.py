"""The workspace navigation is assembled from the apps' plugins: clicked through in Chromium, in
English and in Dutch, including the stand-in app of tests/plugin_app."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from playwright.sync_api import expect

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def test_navigation_from_the_plugins(page, log_in, alice, workspace) -> None:
    log_in(page, "alice@example.com")
    page.goto(f"/w/{workspace.slug}/")
    nav = page.get_by_role("navigation", name="Workspace")
    links = nav.get_by_role("link")
    expect(links).to_have_text(
        [
            "Overview",
            "Calendar",
            "Posts",
            "Approvals",
            "Media",
            "Campaigns",
            "Links",
            "Channels",
            "Plugin demo",
            "Team",
            "Activity",
            "Settings",
            "System status",
        ]
    )
    nav.get_by_role("link", name="Calendar").click()
    expect(nav.get_by_role("link", name="Calendar")).to_have_attribute("aria-current", "page")
    nav.get_by_role("link", name="Plugin demo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plugin demo of Tulip Coffee")
    expect(page.locator("#plugin-demo-notice")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "navigation-en.png")

    nav.get_by_role("link", name="Settings").click()
    main = page.locator("main")
    main.get_by_role("link", name="Tracking keys for conversions").click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("Tracking keys")

    alice.language = "nl"
    alice.save(update_fields=["language"])
    page.goto(f"/w/{workspace.slug}/calendar/")
    nav = page.get_by_role("navigation", name="Werkruimte")
    expect(nav.get_by_role("link", name="Kalender")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Kanalen")).to_be_visible()
    page.screenshot(path=SHOTS / "navigation-nl.png")
