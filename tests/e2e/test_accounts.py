"""Signing up and choosing the interface language, clicked through in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from smm.models import User
from tests.factories import UserFactory

LINK = re.compile(r"https?://\S+")


def test_signup(page, sign_up, mailoutbox) -> None:
    page.goto("/accounts/signup/")
    sign_up(page, "dana@example.com")

    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    assert [m.to for m in mailoutbox] == [["dana@example.com"]]
    link = LINK.search(mailoutbox[0].body)
    assert link is not None, mailoutbox[0].body

    page.goto(link.group())
    expect(main.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    expect(main).to_contain_text("dana@example.com")
    main.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(r"/workspaces/$"))
    expect(main.get_by_role("heading", level=1)).to_have_text("Workspaces")
    expect(main).to_contain_text("You are not in any workspace yet.")
    expect(main.get_by_role("table")).to_have_count(0)
    expect(page.get_by_role("banner")).to_contain_text("dana@example.com")


def test_switch_language_to_dutch(page, new_page, log_in) -> None:
    UserFactory(email="erik@example.com", name="Erik")
    log_in(page, "erik@example.com")
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Workspaces")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("contentinfo").get_by_role("button", name="Nederlands").click()

    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page).to_have_url(re.compile(r"/workspaces/$"))
    expect(main.get_by_role("heading", level=1)).to_have_text("Werkruimtes")
    page.get_by_role("banner").get_by_text("Erik", exact=True).click()  # the account menu
    expect(page.get_by_role("banner").get_by_role("link", name="Uitloggen")).to_be_visible()

    page.goto("/account/profile/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert User.objects.get(email="erik@example.com").language == "nl"

    # Saved on the account: another browser, with no cookie and an English one, gets Dutch too.
    elsewhere = new_page()
    log_in(elsewhere, "erik@example.com")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "nl")
    expect(elsewhere.locator("main").get_by_role("heading", level=1)).to_have_text("Werkruimtes")


def test_anonymous_visitor_switches_language_on_the_login_page(page) -> None:
    page.goto("/accounts/login/")
    heading = page.locator("main").get_by_role("heading", level=1)
    expect(heading).to_have_text("Sign In")

    page.get_by_role("banner").get_by_role("button", name="Nederlands").click()

    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(heading).to_have_text("Aanmelden")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(heading).to_have_text("Aanmelden")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies.get("django_language") == "nl"
