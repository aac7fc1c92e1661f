"""Tracked links in the browser: a visitor follows a short link (counted), the owner sees the
clicks on the link list, and creates a tracking key that is shown once."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from content.models import LinkClickDaily, ShortLink, TrackingKey
from content.services import links as services
from tests.content.test_links_factories import (
    CampaignFactory,
    PostFactory,
    PostTargetFactory,
)
from tests.e2e.conftest import SCREENSHOT_DIR
from tests.factories import ChannelFactory


def test_short_link_click_shows_on_the_list_and_a_key_is_shown_once(
    page: Page, new_page, log_in, alice, workspace, live_server
) -> None:
    campaign = CampaignFactory(workspace=workspace, name="Spring roast", slug="spring-roast")
    channel = ChannelFactory(
        workspace=workspace, platform="mastodon", handle="@tulip@social.example"
    )
    target = PostTargetFactory(
        post=PostFactory(workspace=workspace, campaign=campaign, text="Spring roast is here"),
        channel=channel,
    )
    # The destination is the live server itself, so the browser can follow the redirect.
    link = services.shortlink_for(target=target, url=f"{live_server.url}/healthz")
    today = timezone.localdate()
    for days_ago, clicks in ((1, 4), (2, 7), (5, 2), (9, 5), (12, 3)):
        LinkClickDaily.objects.create(
            link=link, day=today - dt.timedelta(days=days_ago), clicks=clicks
        )
    ShortLink.objects.filter(pk=link.pk).update(clicks=21)

    # A visitor (no account) follows the short link and lands on the tagged destination.
    visitor = new_page()
    visitor.goto(f"/l/{link.code}")
    expect(visitor).to_have_url(re.compile(r"/healthz\?utm_source=mastodon&utm_medium=social"))
    assert not visitor.context.cookies()

    log_in(page, alice.email)
    page.goto(f"/w/{workspace.slug}/links/")
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Tracked links")
    row = main.locator(f"tr[data-code='{link.code}']")
    expect(row).to_contain_text("Spring roast is here")
    expect(row).to_contain_text("Spring roast")
    expect(row.get_by_role("cell", name="22", exact=True)).to_be_visible()
    expect(row.get_by_role("img", name="22 clicks in the last 30 days")).to_be_visible()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT_DIR / "links-list.png", full_page=True)

    main.get_by_role("button", name="Tracking keys").click()  # a link styled as a button
    expect(main.get_by_role("heading", level=1)).to_have_text("Tracking keys")
    main.get_by_label("Name").fill("Web shop")
    main.get_by_role("button", name="Create key").click()
    expect(main).to_contain_text("Tracking key “Web shop” created. Copy it now")
    raw = main.get_by_label("New tracking key").input_value()
    assert services.tracking_key_authenticate(raw) == TrackingKey.objects.get(name="Web shop")
    expect(main.locator("pre.curl")).to_contain_text(f"Authorization: Bearer {raw}")
    page.screenshot(path=SCREENSHOT_DIR / "links-tracking-key.png", full_page=True)

    page.goto(f"/w/{workspace.slug}/links/keys/")  # opened again: the key is not shown again
    expect(main.get_by_role("cell", name="Web shop", exact=True)).to_be_visible()
    expect(main.get_by_label("New tracking key")).to_have_count(0)
    assert raw not in page.content()
