"""Setting up the content area in the browser: campaigns, the library (hashtag groups and
snippets), the approval rules, and reading notifications from the header's bell."""

from __future__ import annotations

import re

from django.conf import settings
from playwright.sync_api import Page, expect

from content.models import Campaign, HashtagGroup, Post
from smm.models import Role
from smm.notifications import notify
from tests.factories import member

SHOTS = settings.BASE_DIR / "var" / "test-screenshots"


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"content-setup-{name}.png", full_page=True)


def test_campaign_create_fix_an_error_then_see_its_posts(
    page: Page, log_in, alice, workspace
) -> None:
    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/campaigns/")
    main = page.locator("main")
    expect(main.get_by_text("No campaigns yet.")).to_be_visible()
    main.get_by_role("button", name="New campaign").click()
    main.get_by_label("Name").fill("Spring roast launch")
    main.get_by_label("Objective").select_option("awareness")
    main.get_by_label("Starts").fill("2025-04-10")
    main.get_by_label("Ends").fill("2025-04-01")
    main.get_by_label("Tags").fill("spring, #roast, Spring")
    main.get_by_label("Description").fill("Launch of the new single-origin roast.")
    main.get_by_role("button", name="Create campaign").click()
    expect(main.get_by_text("The campaign cannot end before it starts.")).to_be_visible()
    # Nothing typed is lost.
    expect(main.get_by_label("Description")).to_have_value("Launch of the new single-origin roast.")
    main.get_by_label("Ends").fill("2025-04-30")
    main.get_by_role("button", name="Create campaign").click()
    expect(page).to_have_url(re.compile(rf"/w/{workspace.slug}/campaigns/\d+/$"))
    expect(main.get_by_text("Campaign “Spring roast launch” created.")).to_be_visible()
    facts = main.locator("#facts")
    expect(facts.get_by_text("spring-roast-launch")).to_be_visible()
    expect(facts.locator(".tag")).to_have_text(["spring", "roast"])

    campaign = Campaign.objects.get(workspace=workspace)
    Post.objects.create(
        workspace=workspace,
        campaign=campaign,
        text="The new roast is here",
        status="scheduled",
        scheduled_at="2025-04-12T08:00:00Z",
    )
    Post.objects.create(workspace=workspace, campaign=campaign, text="Behind the beans")
    page.reload()
    posts = main.locator("#posts")
    expect(posts.locator(".post-row")).to_have_count(2)
    # 08:00 UTC is 10:00 in Amsterdam (CEST).
    expect(posts.get_by_text("10 a.m.")).to_be_visible()
    _shot(page, "campaign-detail")

    page.goto(f"/w/{workspace.slug}/campaigns/")
    row = main.locator(".campaign-row")
    expect(row).to_have_count(1)
    expect(row.get_by_text("Scheduled: 1")).to_be_visible()
    expect(row.get_by_text("Draft: 1")).to_be_visible()
    _shot(page, "campaign-list")


def test_library_add_edit_and_a_clear_error(page: Page, log_in, bob, workspace) -> None:
    log_in(page, bob.email)
    page.goto(f"/w/{workspace.slug}/library/")
    groups = page.locator("#hashtag-groups")
    groups.get_by_label("Name").fill("Coffee")
    groups.get_by_label("Hashtags").fill("coffee #Coffee #latte, barista")
    groups.get_by_role("button", name="Add hashtag group").click()
    expect(page.get_by_text("Hashtag group “Coffee” added.")).to_be_visible()
    item = groups.locator(".library-item").first
    expect(item.locator(".hashtag")).to_have_text(["#coffee", "#latte", "#barista"])

    # The same name again: refused with a message, the text kept.
    groups.get_by_role("button", name="New hashtag group").click()
    groups.locator("#new-group-form").get_by_label("Name").fill("coffee")
    groups.locator("#new-group-form").get_by_label("Hashtags").fill("#espresso")
    groups.get_by_role("button", name="Add hashtag group").click()
    expect(
        groups.get_by_text("This workspace already has a hashtag group named “coffee”.")
    ).to_be_visible()
    expect(groups.locator("#new-group-form").get_by_label("Hashtags")).to_have_value("#espresso")

    group = HashtagGroup.objects.get(workspace=workspace)
    item = page.locator(f"#group-{group.pk}")
    item.get_by_text("Edit").click()
    item.get_by_label("Hashtags").fill("#coffee #beans")
    item.get_by_role("button", name="Save").click()
    expect(page.locator(f"#group-{group.pk} .hashtag")).to_have_text(["#coffee", "#beans"])

    snippets = page.locator("#snippets")
    snippets.get_by_label("Name").fill("Sign-off")
    snippets.get_by_label("Text").fill("Brewed with love — the Tulip team")
    snippets.get_by_role("button", name="Add snippet").click()
    expect(snippets.locator(".snippet-body")).to_have_text("Brewed with love — the Tulip team")
    _shot(page, "library")


def test_approval_settings_name_a_viewer(page: Page, log_in, alice, workspace) -> None:
    member(workspace, Role.VIEWER, email="client@example.com", name="Claire Client")
    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/content/settings/")
    main = page.locator("main")
    expect(main.get_by_text("How approval works")).to_be_visible()
    expect(
        main.get_by_label("Contributors' posts need approval before they are scheduled")
    ).to_be_checked()
    main.get_by_label("Claire Client · Viewer").check()
    main.get_by_label("Client review links stay valid for (days)").fill("0")
    main.get_by_role("button", name="Save settings").click()
    expect(main.get_by_text("Ensure this value is greater than or equal to 1.")).to_be_visible()
    expect(main.get_by_label("Claire Client · Viewer")).to_be_checked()  # kept
    main.get_by_label("Client review links stay valid for (days)").fill("14")
    main.get_by_role("button", name="Save settings").click()
    expect(main.get_by_text("Content settings saved.")).to_be_visible()
    expect(main.get_by_label("Claire Client · Viewer")).to_be_checked()
    expect(main.get_by_label("Client review links stay valid for (days)")).to_have_value("14")
    _shot(page, "settings")


def test_notifications_from_the_bell(page: Page, log_in, alice, bob, workspace) -> None:
    for text in ("Bob submitted “Spring teaser” for approval", "Bob commented on “Menu”"):
        notify(
            workspace=workspace,
            recipients=[alice],
            kind="test",
            message=text,
            url=f"/w/{workspace.slug}/campaigns/",
            actor=bob,
            email=False,
        )
    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/")
    bell = page.locator("#notifications-bell")
    expect(bell.locator(".unread-count")).to_have_text("2")
    bell.click()
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(main.locator(".notification.unread")).to_have_count(2)
    # Newest first.
    expect(main.locator(".notification .message").first).to_have_text("Bob commented on “Menu”")
    _shot(page, "notifications")
    main.get_by_text("Bob commented on “Menu”").click()
    expect(page).to_have_url(re.compile(rf"/w/{workspace.slug}/campaigns/$"))
    expect(page.locator("#notifications-bell .unread-count")).to_have_text("1")
    page.locator("#notifications-bell").click()
    expect(main.locator(".notification.unread")).to_have_count(1)
    main.get_by_role("button", name="Mark all as read").click()
    expect(main.get_by_text("All notifications are marked as read.")).to_be_visible()
    expect(main.locator(".notification.unread")).to_have_count(0)
    expect(page.locator("#notifications-bell .unread-count")).to_have_count(0)
