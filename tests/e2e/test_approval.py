"""Approval in the browser: a contributor submits a post, a viewer named as approver approves it
from the approvals page, and the post is scheduled; then a client, without an account, asks for
changes through a review link and the author reads the comment on the post."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from content.models import Post, PostReview
from smm.models import Role
from tests.content.test_approval_factories import (
    approvers_named,
    image,
    membership_of,
    person,
    write_post,
)
from tests.e2e.conftest import SCREENSHOT_DIR
from tests.factories import ChannelFactory


def _shot(page: Page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / f"approval-{name}.png", full_page=True)


@pytest.fixture
def channel(workspace):
    return ChannelFactory(
        workspace=workspace, platform="x", handle="@tulipcoffee", display_name="Tulip Coffee"
    )


def test_contributor_submits_viewer_approves_from_the_queue(
    new_page, log_in, alice, workspace, channel
) -> None:
    carol, carol_m = person(workspace, Role.CONTRIBUTOR, email="carol@example.com", name="Carol")
    vera, vera_m = person(workspace, Role.VIEWER, email="vera@example.com", name="Vera Viewer")
    approvers_named(workspace, vera_m)
    post = write_post(
        carol_m,
        [channel],
        text="Our Huila single origin is in: red apple, panela, cocoa. Tasting on Saturday!",
        scheduled_at=timezone.now() + timedelta(days=2),
    )
    post_path = f"/w/{workspace.slug}/posts/{post.pk}/"

    # The contributor submits from the post's approval panel, with a note.
    author = new_page()
    log_in(author, carol.email)
    author.goto(post_path)
    panel = author.locator("#approval-panel")
    expect(panel.get_by_text("Your posts need approval before they are scheduled.")).to_be_visible()
    panel.get_by_label("Note for the approvers (optional)").fill("First post for the new roast.")
    panel.get_by_role("button", name="Submit for approval").click()
    expect(author.get_by_text("Sent for approval. The approvers have been told.")).to_be_visible()
    panel = author.locator("#approval-panel")
    expect(panel.locator(".approval-status")).to_have_text("Awaiting approval")
    expect(panel.get_by_text("Waiting for approval by Vera Viewer.")).to_be_visible()
    _shot(author, "1-submitted")

    # The viewer named as approver approves it from the approvals page, inline.
    approver = new_page()
    log_in(approver, vera.email)
    approver.goto(f"/w/{workspace.slug}/approvals/")
    row = approver.locator(f"#approval-row-{post.pk}")
    expect(row).to_contain_text("Our Huila single origin is in")
    expect(row).to_contain_text("Carol")
    expect(row).to_contain_text("@tulipcoffee")
    expect(row).to_contain_text("First post for the new roast.")
    _shot(approver, "2-queue")
    row.get_by_role("button", name="Approve").click()
    expect(row.get_by_text("Approved and scheduled.")).to_be_visible()
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)
    _shot(approver, "3-approved-inline")

    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert post.approved_by_label == "Vera Viewer"
    assert all(t.status == "scheduled" for t in post.targets.all())

    # The author sees it approved and scheduled.
    author.goto(post_path)
    panel = author.locator("#approval-panel")
    expect(panel.locator(".approval-status")).to_have_text("Scheduled")
    expect(panel.get_by_text(re.compile(r"Approved by Vera Viewer; scheduled for"))).to_be_visible()
    _shot(author, "4-author-sees-scheduled")


def test_a_client_asks_for_changes_through_a_review_link(
    new_page, log_in, alice, workspace, channel
) -> None:
    alice_m = membership_of(alice, workspace)
    photo = image(workspace, name="huila-beans.jpg")
    post = write_post(
        alice_m,
        [channel],
        text="Meet our Huila beans: red apple, panela, cocoa. Tasting this Sunday! #coffee",
        scheduled_at=timezone.now() + timedelta(days=3),
        media=[photo],
    )
    post_path = f"/w/{workspace.slug}/posts/{post.pk}/"

    author = new_page()
    log_in(author, alice.email)
    author.goto(post_path)
    panel = author.locator("#approval-panel")
    panel.get_by_text("Send to client for review").click()
    panel.get_by_label("Reviewer's name").fill("Carla Client")
    panel.get_by_role("button", name="Make review link").click()
    expect(author.get_by_text("Review link made for Carla Client")).to_be_visible()
    link_box = author.locator("#review-link-url")
    expect(link_box).to_be_visible()
    review_url = link_box.input_value()
    assert "/review/" in review_url
    _shot(author, "5-link-made")

    # The client opens it in a fresh browser, without an account.
    client = new_page()
    client.goto(review_url)
    expect(client.get_by_role("heading", level=1)).to_have_text("Review this post")
    expect(client.get_by_text("You are reviewing as")).to_contain_text("Carla Client")
    expect(client.locator(".review-previews")).to_contain_text("Meet our Huila beans")
    image_el = client.locator(".review-previews img").first
    expect(image_el).to_be_visible()
    assert client.evaluate("el => el.naturalWidth", image_el.element_handle()) > 0
    _shot(client, "6-client-page")
    client.get_by_label("What should change?").fill("Please say Saturday, not Sunday.")
    client.get_by_role("button", name="Request changes").click()
    expect(
        client.get_by_text("Thank you: your comments have been sent to the team.")
    ).to_be_visible()
    expect(client.locator(".review-conversation")).to_contain_text(
        "Please say Saturday, not Sunday."
    )
    _shot(client, "7-client-asked-for-changes")

    step = post.reviews.order_by("pk").last()
    assert (step.action, step.actor_label) == (PostReview.Action.CHANGES_REQUESTED, "Carla Client")

    # The author reads the comment on the post.
    author.goto(post_path)
    panel = author.locator("#approval-panel")
    expect(panel.locator(".approval-status")).to_have_text("Changes requested")
    expect(panel.locator(".approval-changes")).to_contain_text("Carla Client asked for changes:")
    expect(panel.locator(".approval-changes")).to_contain_text("Please say Saturday, not Sunday.")
    _shot(author, "8-author-reads-comment")

    # A revoked link shows nothing any more.
    panel.get_by_role("button", name="Revoke the link of Carla Client").click()
    expect(author.get_by_text("The review link of Carla Client no longer works.")).to_be_visible()
    client.goto(review_url)
    expect(client.get_by_role("heading", level=1)).to_have_text(
        "This review link is no longer valid"
    )
    expect(client.get_by_text("Meet our Huila beans")).to_have_count(0)
    _shot(client, "9-link-revoked")
