"""Connecting a channel in the browser, through a local stand-in for X's OAuth pages, then giving
it guidelines and posting slots, and disconnecting it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from channels_app.models import Channel
from tests import oauth_standin as standins
from tests.oauth_standin import StandIn


@pytest.fixture
def x_standin(settings) -> Iterator[StandIn]:
    with standins.x_standin(
        client_id="ripple-x-client",
        client_secret="ripple-x-secret",
        profile={
            "id": "2244994945",
            "name": "Tulip Coffee",
            "username": "tulipcoffee",
            "public_metrics": {
                "followers_count": 1280,
                "following_count": 80,
                "tweet_count": 4200,
                "listed_count": 3,
            },
        },
    ) as standin:
        apps = {kind: dict(values) for kind, values in settings.SMM_PLATFORM_APPS.items()}
        apps["x"] = {
            "client_id": standin.client_id,
            "client_secret": standin.client_secret,
            "urls": {
                "authorize": f"{standin.url}/i/oauth2/authorize",
                "token": f"{standin.url}/2/oauth2/token",
                "api": standin.url,
                "web": standin.url,
            },
        }
        settings.SMM_PLATFORM_APPS = apps
        yield standin


def test_connect_x_through_its_login_page_then_manage_the_channel(
    page: Page, log_in, alice, workspace, x_standin: StandIn
) -> None:
    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/")
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Channels").click()
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Channels")
    expect(main.get_by_text("No channels yet.")).to_be_visible()
    # LinkedIn has no keys here: shown as "not set up", with what to do.
    linkedin = main.locator("#platform-linkedin")
    expect(linkedin.get_by_text("not set up")).to_be_visible()
    linkedin.get_by_text("How to set it up").click()
    expect(linkedin.get_by_text("SMM_LINKEDIN_CLIENT_ID")).to_be_visible()

    main.locator("#platform-x").get_by_role("button", name="Connect X").click()
    # The platform's own page (the stand-in), asking for our scopes.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Authorize Ripple to use your account?"
    )
    expect(page.get_by_text("offline.access")).to_be_visible()
    page.get_by_role("link", name="Authorize app").click()

    # Back in Ripple, on the new channel's page.
    expect(page).to_have_url(re.compile(rf"/w/{workspace.slug}/channels/\d+/$"))
    expect(main.get_by_text("Connected @tulipcoffee.")).to_be_visible()
    expect(main.get_by_role("heading", level=1)).to_have_text("Tulip Coffee")
    expect(main.get_by_text("1280 followers")).to_be_visible()
    health = main.locator("#health")
    expect(health.get_by_text("Healthy")).to_be_visible()
    expect(health.get_by_text("Renews automatically")).to_be_visible()
    # The code was exchanged with PKCE and the client's credentials, once.
    [token_call] = x_standin.calls_to("/2/oauth2/token")
    assert token_call.form["code_verifier"]
    channel = Channel.objects.get(workspace=workspace, platform="x")
    assert channel.access_token == x_standin.issued_tokens[0]

    # Guidelines: a conflict is explained, and what was typed stays.
    guidelines = main.locator("#guidelines")
    guidelines.get_by_label("Role of the channel").select_option("engagement")
    guidelines.get_by_label("Tone of voice").fill("Warm, witty, never pushy.")
    guidelines.get_by_label("Default hashtags").fill("#coffee #tulip")
    guidelines.get_by_label("Banned hashtags").fill("#tulip")
    guidelines.get_by_role("button", name="Save guidelines").click()
    expect(main.get_by_text("A hashtag cannot be both default and banned: #tulip")).to_be_visible()
    expect(main.get_by_label("Tone of voice")).to_have_value("Warm, witty, never pushy.")
    main.get_by_label("Banned hashtags").fill("#cheap")
    main.get_by_role("button", name="Save guidelines").click()
    expect(main.get_by_text("Guidelines saved.")).to_be_visible()
    expect(main.get_by_label("Default hashtags")).to_have_value("#coffee #tulip")

    # A posting slot.
    slots = main.locator("#slots")
    slots.get_by_label("Day").select_option(label="Tuesday")
    slots.get_by_label("Time").fill("09:30")
    slots.get_by_role("button", name="Add slot").click()
    expect(main.locator("#slots").get_by_text("Tuesday 09:30")).to_be_visible()

    # What X accepts, from the rules registry.
    expect(main.locator("#rules")).to_contain_text("280")
    page.screenshot(path="var/test-screenshots/channel-detail.png", full_page=True)

    # The list shows the channel, healthy.
    page.get_by_role("link", name="Channels").first.click()
    row = main.locator("tr.channel-row")
    expect(row).to_contain_text("@tulipcoffee")
    expect(row).to_contain_text("Healthy")
    page.screenshot(path="var/test-screenshots/channel-list.png", full_page=True)

    # Disconnect asks first, and says what happens to scheduled posts.
    row.get_by_role("link", name="Manage").click()
    main.get_by_role("link", name="Disconnect…").click()
    expect(
        main.get_by_text("they are held, and go out when you connect the same account again")
    ).to_be_visible()
    main.get_by_role("button", name="Disconnect").click()
    expect(main.get_by_text("Disconnected @tulipcoffee.")).to_be_visible()
    expect(main.locator("tr.channel-row")).to_contain_text("Disconnected")
    channel.refresh_from_db()
    assert channel.status == Channel.Status.DISCONNECTED and channel.access_token == ""


def test_cancelling_on_the_platform_connects_nothing(
    page: Page, log_in, alice, workspace, x_standin: StandIn
) -> None:
    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/channels/")
    page.locator("#platform-x").get_by_role("button", name="Connect X").click()
    page.get_by_role("link", name="Cancel").click()
    main = page.locator("main")
    expect(main.get_by_text("X did not connect the account: access_denied")).to_be_visible()
    expect(main.get_by_text("No channels yet.")).to_be_visible()
    assert not Channel.objects.exists()


@pytest.fixture
def fb_standin(settings) -> Iterator[StandIn]:
    with standins.facebook_standin(
        client_id="ripple-meta-app",
        client_secret="ripple-meta-secret",
        pages=[
            {
                "id": "101",
                "name": "Tulip Coffee",
                "category": "Coffee shop",
                "followers_count": 900,
            },
            {"id": "102", "name": "Tulip Roasters", "category": "Brand", "followers_count": 40},
            {"id": "103", "name": "Alice's band", "category": "Musician", "followers_count": 7},
        ],
    ) as standin:
        apps = {kind: dict(values) for kind, values in settings.SMM_PLATFORM_APPS.items()}
        apps["facebook"] = {
            "client_id": standin.client_id,
            "client_secret": standin.client_secret,
            "urls": {
                "authorize": standin.url + "/{version}/dialog/oauth",
                "graph": standin.url,
                "graph_video": standin.url,
                "web": standin.url,
            },
            "options": {"graph_version": "v26.0"},
        }
        settings.SMM_PLATFORM_APPS = apps
        yield standin


def test_facebook_login_lets_you_pick_the_pages(
    page: Page, log_in, alice, workspace, fb_standin: StandIn
) -> None:
    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/channels/")
    page.locator("#platform-facebook").get_by_role("button", name="Connect Facebook").click()
    page.get_by_role("link", name="Authorize app").click()

    main = page.locator("main")
    expect(main.get_by_text("Which Facebook accounts should this workspace use?")).to_be_visible()
    # Nothing ticked: the page says so and keeps the choice open.
    main.get_by_role("button", name="Connect the chosen accounts").click()
    expect(main.get_by_text("Pick at least one account to connect.")).to_be_visible()
    main.get_by_label("Tulip Coffee").check()
    main.get_by_label("Tulip Roasters").check()
    page.screenshot(path="var/test-screenshots/channel-pending.png", full_page=True)
    main.get_by_role("button", name="Connect the chosen accounts").click()

    expect(main.get_by_text("Connected Tulip Coffee, Tulip Roasters.")).to_be_visible()
    rows = main.locator("tr.channel-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Does not expire")
    pages = Channel.objects.filter(workspace=workspace, platform="facebook")
    assert sorted(pages.values_list("external_id", flat=True)) == ["101", "102"]
    assert pages.get(external_id="101").access_token == "page-token-101"


@pytest.fixture
def pds(settings) -> Iterator[StandIn]:
    with standins.bluesky_standin(
        handle="tulipcoffee.bsky.social",
        did="did:plc:ewvi7nxzyoun6zhxrhs64oiz",
        app_password="abcd-efgh-ijkl-mnop",
        profile={"displayName": "Tulip Coffee", "followersCount": 512},
    ) as standin:
        yield standin


def test_connect_bluesky_with_an_app_password(
    page: Page, log_in, alice, workspace, pds: StandIn
) -> None:
    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/channels/")
    page.locator("#platform-bluesky").get_by_role("button", name="Connect Bluesky").click()
    main = page.locator("main")
    main.get_by_label("Handle or e-mail").fill("tulipcoffee.bsky.social")
    main.get_by_label("App password").fill("wrong-password")
    main.get_by_label("Hosting provider").fill(pds.url)
    main.get_by_role("button", name="Connect").click()
    refusal = "Bluesky refused the sign-in: Invalid identifier or password"
    expect(main.get_by_text(refusal)).to_be_visible()
    # What was typed stays, except the password.
    expect(main.get_by_label("Handle or e-mail")).to_have_value("tulipcoffee.bsky.social")
    expect(main.get_by_label("Hosting provider")).to_have_value(pds.url)
    expect(main.get_by_label("App password")).to_have_value("")
    page.screenshot(path="var/test-screenshots/channel-bluesky.png", full_page=True)

    main.get_by_label("App password").fill("abcd-efgh-ijkl-mnop")
    main.get_by_role("button", name="Connect").click()
    expect(main.get_by_text("Connected tulipcoffee.bsky.social.")).to_be_visible()
    expect(main.get_by_text("512 followers")).to_be_visible()
    expect(main.locator("#health").get_by_text("Renews automatically")).to_be_visible()
    channel = Channel.objects.get(workspace=workspace, platform="bluesky")
    assert channel.external_id == "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
    assert channel.instance_url == pds.url
    assert "abcd-efgh" not in channel.access_token + channel.refresh_token
