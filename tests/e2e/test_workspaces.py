"""Creating a workspace and inviting a colleague, clicked through in Chromium."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.formats import date_format
from playwright.sync_api import expect

from smm.models import Invitation
from tests.factories import UserFactory

LINK = re.compile(r"https?://\S+")


def test_create_workspace(page, log_in) -> None:
    UserFactory(email="carol@example.com", name="Carol")
    log_in(page, "carol@example.com")
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Workspaces")

    main.get_by_label("Name").fill("Tulip Coffee")
    main.get_by_label("Time zone").select_option("Europe/Amsterdam")
    main.get_by_role("button", name="Create workspace").click()

    expect(main.get_by_role("heading", level=1)).to_have_text("Tulip Coffee")
    expect(main).to_contain_text("Workspace “Tulip Coffee” created.")
    expect(main).to_contain_text("Time zone Europe/Amsterdam · you are Owner")
    switcher = page.get_by_role("banner").locator("details.workspace-switcher")
    switcher.locator("summary").click()
    expect(switcher.get_by_role("link", name="Tulip Coffee")).to_be_visible()
    switcher.locator("summary").click()  # closes it again; it covers the workspace menu

    workspace_nav = page.get_by_role("navigation", name="Workspace")
    workspace_nav.get_by_role("link", name="Settings").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("Workspace settings")
    expect(main.get_by_label("Time zone")).to_have_value("Europe/Amsterdam")
    main.get_by_label("Name").fill("Tulip Coffee Roasters")
    main.get_by_role("button", name="Save").click()

    expect(main).to_contain_text("Settings saved.")
    expect(main.get_by_label("Name")).to_have_value("Tulip Coffee Roasters")
    expect(switcher.locator("summary")).to_have_text("Tulip Coffee Roasters")
    workspace_nav.get_by_role("link", name="Overview").click()
    expect(main.get_by_role("heading", level=1)).to_have_text("Tulip Coffee Roasters")


def test_invite_member(page, new_page, log_in, sign_up, alice, workspace, mailoutbox) -> None:
    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/members/")
    main = page.locator("main")
    main.get_by_label("E-mail address").fill("new@example.com")
    main.get_by_label("Role", exact=True).select_option(label="Contributor")
    main.get_by_role("button", name="Send invitation").click()

    expect(main).to_contain_text("Invitation sent to new@example.com.")
    shown_link = main.get_by_label("Invitation link")
    expect(shown_link).to_have_value(re.compile(r"/invite/"))
    assert [m.to for m in mailoutbox] == [["new@example.com"]]
    assert "Tulip Coffee" in mailoutbox[0].subject
    link = LINK.search(mailoutbox[0].body)
    assert link is not None, mailoutbox[0].body
    expires_at = Invitation.objects.get(email="new@example.com").expires_at.astimezone(dt.UTC)
    assert f"works until {date_format(expires_at, 'DATETIME_FORMAT')} (UTC)" in mailoutbox[0].body
    expect(shown_link).to_have_value(link.group())
    open_invitations = main.locator("table.invitations")
    expect(open_invitations.get_by_role("row", name=re.compile("new@example.com"))).to_contain_text(
        "Contributor"
    )

    # The invitee, in a browser of their own.
    invitee = new_page()
    invitee.goto(link.group())
    their_main = invitee.locator("main")
    expect(their_main.get_by_role("heading", level=1)).to_have_text("Join Tulip Coffee")
    expect(their_main).to_contain_text(
        "Alice Owner invited new@example.com to join as Contributor."
    )
    their_main.get_by_role("button", name="Sign up").click()

    sign_up(invitee, "new@example.com")

    # No verification mail: the invitation link proved the address. Back on the invitation.
    expect(their_main.get_by_role("button", name="Accept and join")).to_be_visible()
    assert len(mailoutbox) == 1
    their_main.get_by_role("button", name="Accept and join").click()

    expect(their_main.get_by_role("heading", level=1)).to_have_text("Tulip Coffee")
    expect(their_main).to_contain_text("Welcome to Tulip Coffee.")
    expect(their_main).to_contain_text("you are Contributor")

    # The owner sees the new member, and gives them another role.
    page.reload()
    role = main.get_by_label("Role of new@example.com")
    expect(role).to_have_value("contributor")
    expect(role.locator("option:checked")).to_have_text("Contributor")
    expect(open_invitations).to_have_count(0)
    role.select_option(label="Editor")
    main.get_by_role("row", name=re.compile("new@example.com")).get_by_role(
        "button", name="Change"
    ).click()

    expect(main).to_contain_text("new@example.com is now Editor.")
    expect(main.get_by_label("Role of new@example.com")).to_have_value("editor")
