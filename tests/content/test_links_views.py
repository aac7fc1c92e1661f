"""Pages of tracked links: the public redirect, the link list, tracking keys."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from content.models import Conversion, LinkClickDaily, ShortLink, TrackingKey
from content.services import links as services
from smm.models import Role
from tests.content.test_links_factories import (
    CampaignFactory,
    PostFactory,
    PostTargetFactory,
    ShortLinkFactory,
)
from tests.factories import ChannelFactory, member

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"


@pytest.fixture
def link(workspace) -> ShortLink:
    return ShortLinkFactory(
        target=PostTargetFactory(post=PostFactory(workspace=workspace)),
        destination_url="https://shop.example/a?utm_source=x&utm_medium=social",
    )


def _go(client, link: ShortLink, **headers: str):
    return client.get(f"/l/{link.code}", headers={"user-agent": BROWSER, **headers})


# The redirect ----------------------------------------------------------------------------------


def test_redirect_sends_the_visitor_on_and_counts_the_click(client, link) -> None:
    assert reverse("content:short_link", kwargs={"code": link.code}) == f"/l/{link.code}"
    with time_machine.travel(dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        response = _go(client, link)
    assert response.status_code == 302
    assert response["Location"] == link.destination_url
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]
    daily = LinkClickDaily.objects.get(link=link)
    assert (daily.day, daily.clicks) == (dt.date(2025, 6, 1), 1)


def test_redirect_sets_no_cookie_even_for_a_logged_in_user(client, link, alice) -> None:
    client.force_login(alice)
    response = _go(client, link)
    assert response.status_code == 302
    assert not response.cookies


def test_unknown_code_is_404(client, db) -> None:
    assert client.get("/l/Unknown1", headers={"user-agent": BROWSER}).status_code == 404
    assert client.head("/l/Unknown1").status_code == 404


def test_head_is_not_counted(client, link) -> None:
    response = client.head(f"/l/{link.code}", headers={"user-agent": BROWSER})
    assert response.status_code == 302
    assert not LinkClickDaily.objects.exists()


def test_post_is_refused(client, link) -> None:
    assert client.post(f"/l/{link.code}").status_code == 405


@pytest.mark.parametrize(
    "agent",
    [
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Twitterbot/1.0",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "TelegramBot (like TwitterBot)",
        "WhatsApp/2.23.20.0",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "http.rb/5.1.1 (Mastodon/4.2.1; +https://mastodon.social/)",
        "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
        "",
    ],
)
def test_link_preview_bots_are_not_counted(client, link, agent: str) -> None:
    response = client.get(f"/l/{link.code}", headers={"user-agent": agent})
    assert response.status_code == 302
    assert not LinkClickDaily.objects.exists()
    link.refresh_from_db()
    assert link.clicks == 0


def test_prefetch_is_not_counted(client, link) -> None:
    assert _go(client, link, **{"sec-purpose": "prefetch"}).status_code == 302
    assert not LinkClickDaily.objects.exists()


# The link list ---------------------------------------------------------------------------------


def _list_url(workspace) -> str:
    return reverse("content:link_list", args=[workspace.slug])


def test_viewer_sees_links_with_clicks_per_day_and_conversions(client, workspace, link) -> None:
    viewer = member(workspace, Role.VIEWER)
    today = timezone.localdate()
    LinkClickDaily.objects.create(link=link, day=today, clicks=5)
    LinkClickDaily.objects.create(link=link, day=today - dt.timedelta(days=3), clicks=2)
    LinkClickDaily.objects.create(link=link, day=today - dt.timedelta(days=40), clicks=9)
    ShortLink.objects.filter(pk=link.pk).update(clicks=16)
    for n, value in enumerate(("10.00", "5.50")):
        Conversion.objects.create(
            workspace=workspace,
            link=link,
            kind="sale",
            value=value,
            currency="EUR",
            occurred_at=timezone.now(),
            external_id=f"o-{n}",
        )
    client.force_login(viewer)
    response = client.get(_list_url(workspace))
    assert response.status_code == 200
    row = response.context["rows"][0]
    assert row.link == link
    assert len(row.days) == 30 and row.days[-1].clicks == 5 and row.recent_clicks == 7
    assert row.conversion_count == 2
    assert [(c.currency, c.value) for c in row.conversion_values] == [("EUR", 15.5)]
    html = response.content.decode()
    assert f"/l/{link.code}" in html
    assert "7 clicks in the last 30 days" in html
    assert "15.50 EUR" in html
    assert reverse("content:tracking_keys", args=[workspace.slug]) not in html


def test_list_filters_by_campaign_and_channel(client, workspace, alice) -> None:
    spring = CampaignFactory(workspace=workspace, name="Spring")
    mastodon = ChannelFactory(workspace=workspace, platform="mastodon")
    in_spring = ShortLinkFactory(
        target=PostTargetFactory(post=PostFactory(workspace=workspace, campaign=spring))
    )
    on_mastodon = ShortLinkFactory(
        target=PostTargetFactory(post=PostFactory(workspace=workspace), channel=mastodon)
    )
    client.force_login(alice)
    rows = client.get(_list_url(workspace), {"campaign": spring.pk}).context["rows"]
    assert [r.link for r in rows] == [in_spring]
    rows = client.get(_list_url(workspace), {"channel": mastodon.pk}).context["rows"]
    assert [r.link for r in rows] == [on_mastodon]
    # Another workspace's campaign id is not a choice: the filter is ignored, not obeyed.
    foreign = CampaignFactory()
    response = client.get(_list_url(workspace), {"campaign": foreign.pk})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2


def test_list_shows_only_this_workspaces_links(client, workspace, alice, other_workspace) -> None:
    ShortLinkFactory(target=PostTargetFactory(post=PostFactory(workspace=other_workspace)))
    client.force_login(alice)
    response = client.get(_list_url(workspace))
    assert response.context["rows"] == []
    assert "No tracked links yet." in response.content.decode()


def test_outsider_gets_404_on_links_and_keys(client, workspace, mallory) -> None:
    client.force_login(mallory)
    assert client.get(_list_url(workspace)).status_code == 404
    assert client.get(reverse("content:tracking_keys", args=[workspace.slug])).status_code == 404


def test_anonymous_is_sent_to_login(client, workspace) -> None:
    response = client.get(_list_url(workspace))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _link_with_clicks(workspace) -> ShortLink:
    link = ShortLinkFactory(
        target=PostTargetFactory(
            post=PostFactory(workspace=workspace, campaign=CampaignFactory(workspace=workspace))
        )
    )
    LinkClickDaily.objects.create(link=link, day=timezone.localdate(), clicks=3)
    return link


def test_link_list_query_count(client, workspace, alice, django_assert_num_queries) -> None:
    """The page's own queries: membership+workspace, filter campaigns, filter channels, count,
    the page of links (with post, channel, campaign), clicks per day, conversions: 7, whatever
    the number of rows. The rest is the layout's (session, user, menus), measured with 1 row."""
    _link_with_clicks(workspace)
    client.force_login(alice)
    client.get(_list_url(workspace))  # first request of a session records it (usersessions)
    with CaptureQueriesContext(connection) as one_row:
        client.get(_list_url(workspace))
    for _ in range(9):
        _link_with_clicks(workspace)
    with django_assert_num_queries(len(one_row)):
        response = client.get(_list_url(workspace))
    assert len(response.context["rows"]) == 10
    page_queries = [q["sql"] for q in one_row.captured_queries if "content_" in q["sql"]]
    assert len(page_queries) == 6  # campaigns, channels, count, links, clicks, conversions


# Tracking keys ---------------------------------------------------------------------------------


def _keys_url(workspace) -> str:
    return reverse("content:tracking_keys", args=[workspace.slug])


def test_editor_may_not_manage_tracking_keys(client, workspace, bob) -> None:
    client.force_login(bob)
    assert client.get(_keys_url(workspace)).status_code == 403
    assert client.post(_keys_url(workspace), {"name": "Shop"}).status_code == 403
    assert not TrackingKey.objects.exists()


def test_admin_creates_a_key_and_sees_it_once(client, workspace) -> None:
    admin = member(workspace, Role.ADMIN)
    client.force_login(admin)
    response = client.post(_keys_url(workspace), {"name": "Web shop"})
    assert response.status_code == 200
    raw = response.context["created_raw"]
    key = TrackingKey.objects.get()
    assert raw.startswith(key.lookup_prefix) and services.tracking_key_authenticate(raw) == key
    html = response.content.decode()
    assert raw in html
    assert f"Authorization: Bearer {raw}" in html
    assert reverse("api:conversion_create") in html
    # Never again.
    assert raw not in client.get(_keys_url(workspace)).content.decode()


def test_key_without_a_name_is_refused_with_a_message(client, workspace, alice) -> None:
    client.force_login(alice)
    response = client.post(_keys_url(workspace), {"name": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not TrackingKey.objects.exists()


def test_admin_revokes_a_key(client, workspace, alice) -> None:
    key, raw = services.tracking_key_create(workspace=workspace, by=alice, name="CRM")
    client.force_login(alice)
    response = client.post(
        reverse("content:tracking_key_revoke", args=[workspace.slug, key.pk]), follow=True
    )
    assert "revoked" in response.content.decode()
    assert services.tracking_key_authenticate(raw) is None


def test_revoking_another_workspaces_key_is_404(client, workspace, alice, mallory, other_workspace):
    key, raw = services.tracking_key_create(workspace=other_workspace, by=mallory, name="Theirs")
    client.force_login(alice)
    response = client.post(reverse("content:tracking_key_revoke", args=[workspace.slug, key.pk]))
    assert response.status_code == 404
    assert services.tracking_key_authenticate(raw) is not None
