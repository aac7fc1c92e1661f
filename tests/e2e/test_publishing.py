"""Publishing problems in the browser: a post whose X target failed and whose Mastodon target
needs attention (Ripple could not tell whether it went out). The owner opens the post, retries
the failed one, marks the other as published with its link, and follows the link's place on the
page; the "Needs attention" list is empty afterwards."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from content.models import Post, PostTarget, PublishAttempt
from tests.content.test_calendar_factories import make_channel, make_post
from tests.content.test_publishing_views import attempt, set_target
from tests.e2e.conftest import SCREENSHOT_DIR

S = PostTarget.Status


def _shot(page: Page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"publishing-{name}.png", full_page=True)


def test_retry_failed_and_mark_unknown_as_published(page, log_in, alice, bob, workspace) -> None:
    workspace.timezone = "Europe/Amsterdam"
    workspace.save(update_fields=["timezone"])
    x = make_channel(workspace, "x", handle="@tulipcoffee", display_name="Tulip Coffee")
    masto = make_channel(
        workspace, "mastodon", handle="@tulip@social.example", display_name="Tulip Coffee"
    )
    post = make_post(
        workspace,
        at=timezone.now() - timedelta(minutes=20),
        channels=[x, masto],
        status=Post.Status.FAILED,
        author=bob,
        text="Our Huila single origin is in: red apple, panela, cocoa. Tasting on Saturday!",
    )
    failed = set_target(
        post.targets.get(channel=x),
        status=S.FAILED,
        last_error="X refused the post: the text is a duplicate of a recent post.",
    )
    attempt(
        failed,
        detail="HTTP 403: {'detail': 'You are not allowed to create a Tweet with "
        "duplicate content.'}",
    )
    unknown = set_target(
        post.targets.get(channel=masto),
        status=S.NEEDS_ATTENTION,
        hold_reason="unknown",
        last_error="It is not certain whether this went out: Ripple is checking the platform.",
    )
    attempt(
        unknown,
        outcome=PublishAttempt.Outcome.UNKNOWN,
        detail="read timed out after sending",
        duration_ms=30_004,
    )
    attempt(
        unknown,
        number=2,
        outcome=PublishAttempt.Outcome.NOT_FOUND,
        detail="no matching post found",
        duration_ms=412,
        worker="celery@worker-2",
    )

    log_in(page, alice.email)
    # The workspace's list shows both, with the post they belong to.
    page.goto(f"/w/{workspace.slug}/publishing/problems/")
    expect(page.locator(".pub-target")).to_have_count(2)
    _shot(page, "0-list")
    page.get_by_role("link", name="Our Huila single origin").first.click()
    panel = page.locator("#publishing-panel")
    expect(
        panel.get_by_role("heading", name="Publishing").or_(
            panel.get_by_text("Publishing", exact=True)
        )
    ).to_be_visible()
    x_card = page.locator(f"#pub-target-{failed.pk}")
    masto_card = page.locator(f"#pub-target-{unknown.pk}")
    expect(x_card.get_by_text("duplicate of a recent post")).to_be_visible()
    expect(
        masto_card.get_by_text("Ripple could not tell whether this went out on Mastodon")
    ).to_be_visible()
    # The attempt log is folded away until opened.
    masto_card.get_by_text("2 attempts").click()
    expect(masto_card.get_by_role("cell", name="read timed out after sending")).to_be_visible()
    expect(masto_card.get_by_role("cell", name="30.0 s")).to_be_visible()
    _shot(page, "1-problems")

    # Retry the failed one: back on the schedule, now.
    x_card.get_by_role("button", name="Retry now").click()
    x_card = page.locator(f"#pub-target-{failed.pk}")
    expect(x_card.get_by_role("status")).to_contain_text("Sending it again on X @tulipcoffee now.")
    expect(x_card.locator(".pub-state")).to_have_text("Scheduled")
    # The post's own status at the top follows without a reload. It is derived from all its
    # targets: Mastodon still needs a person, so the post still needs attention.
    expect(page.locator("#post-status-badge")).to_have_count(1)
    expect(page.locator("#post-status-badge")).to_have_text("Needs attention")
    failed.refresh_from_db()
    assert failed.status == S.SCHEDULED

    # Mark the other as published, with the link found on Mastodon.
    masto_card = page.locator(f"#pub-target-{unknown.pk}")
    masto_card.get_by_text("Mark as published").first.click()
    masto_card.get_by_label("Link to the post on Mastodon (optional)").fill(
        "https://social.example/@tulip/112233"
    )
    masto_card.get_by_role("button", name="Mark as published").click()
    masto_card = page.locator(f"#pub-target-{unknown.pk}")
    link = masto_card.get_by_role("link", name="View on Mastodon")
    expect(link).to_have_attribute("href", "https://social.example/@tulip/112233")
    expect(masto_card.locator(".pub-state")).to_have_text("Published")
    # Nothing needs a person any more; X is on its way: the post is scheduled again.
    expect(page.locator("#post-status-badge")).to_have_text("Scheduled")
    unknown.refresh_from_db()
    assert unknown.status == S.PUBLISHED
    assert unknown.external_url == "https://social.example/@tulip/112233"
    _shot(page, "2-done")

    # Nothing is left on the workspace's "Needs attention" list.
    page.goto(f"/w/{workspace.slug}/publishing/problems/")
    expect(page.get_by_text("Nothing needs attention")).to_be_visible()
