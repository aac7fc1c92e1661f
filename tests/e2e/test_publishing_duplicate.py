"""A possible duplicate in the browser: a Mastodon post answered a second time with another post
after it was settled. The owner sees it under "Needs attention" with both links, opens the post
and deletes the extra copy in one click (Mastodon's DELETE answered by `responses`)."""

from __future__ import annotations

import responses
from playwright.sync_api import expect

from tests.content.test_publishing_duplicates import EXTRA, FIRST, duplicated
from tests.content.test_publishing_factories import STATUSES, fixture, mastodon_channel
from tests.e2e.conftest import SCREENSHOT_DIR


def test_delete_the_extra_copy(page, log_in, alice, bob, workspace) -> None:
    target = duplicated(workspace, mastodon_channel(workspace), author=bob)
    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/publishing/problems/")
    main = page.locator("main")
    expect(main.get_by_text("Possible duplicate:").first).to_be_visible()
    expect(main.locator(f'a[href="{EXTRA}"]').first).to_be_visible()

    page.goto(f"/w/{workspace.slug}/posts/{target.post_id}/")
    card = page.locator(f"#pub-target-{target.pk}")
    expect(card.get_by_text("Possible duplicate:")).to_be_visible()
    expect(card.locator(f'a[href="{FIRST}"]').first).to_be_visible()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / "publishing-duplicate-0.png", full_page=True)

    with responses.RequestsMock(assert_all_requests_are_fired=True) as platform:
        platform.delete(f"{STATUSES}/111", json=fixture("status_deleted"))
        card.get_by_role("button", name="Delete the extra copy").click()
        card = page.locator(f"#pub-target-{target.pk}")
        expect(card.get_by_text("was deleted")).to_be_visible()
        expect(card.get_by_text("Possible duplicate:")).to_have_count(0)
        assert len(platform.calls) == 1 and platform.calls[0].request.method == "DELETE"
    page.screenshot(path=SCREENSHOT_DIR / "publishing-duplicate-1.png", full_page=True)
    target.refresh_from_db()
    assert not target.has_possible_duplicate
