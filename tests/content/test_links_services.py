"""Tracked links: UTM URLs, short links, tracked text, click counting, keys, conversions."""

from __future__ import annotations

import datetime as dt
import re
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from content.models import Conversion, LinkClickDaily, ShortLink, TrackingKey
from content.services import links as services
from content.services.links import utm_url
from smm.models import ActivityEvent
from tests.content.test_links_factories import (
    CampaignFactory,
    PostFactory,
    PostTargetFactory,
    ShortLinkFactory,
)
from tests.factories import ChannelFactory

# utm_url ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://shop.example/roast",
            "https://shop.example/roast?utm_source=x&utm_medium=social&utm_campaign=spring",
        ),
        (
            "https://shop.example/roast?size=1kg&b=%2Fx#reviews",
            "https://shop.example/roast?size=1kg&b=%2Fx"
            "&utm_source=x&utm_medium=social&utm_campaign=spring#reviews",
        ),
        (
            "https://shop.example/?utm_source=newsletter&q=a+b&UTM_CAMPAIGN=old&utm_source=n2",
            "https://shop.example/?q=a+b&utm_source=x&utm_medium=social&utm_campaign=spring",
        ),
        (
            "https://shop.example",
            "https://shop.example?utm_source=x&utm_medium=social&utm_campaign=spring",
        ),
        (
            "https://shop.example/?flag",
            "https://shop.example/?flag&utm_source=x&utm_medium=social&utm_campaign=spring",
        ),
    ],
)
def test_utm_url_keeps_query_and_fragment_and_replaces_utm_keys(url: str, expected: str) -> None:
    assert utm_url(url, source="x", campaign="spring") == expected


def test_utm_url_quotes_values_and_keeps_own_values_for_keys_left_empty() -> None:
    url = utm_url(
        "https://shop.example/?utm_campaign=theirs&utm_term=beans",
        source="mastodon",
        content="post 7&8",
    )
    assert url == (
        "https://shop.example/?utm_campaign=theirs&utm_term=beans"
        "&utm_source=mastodon&utm_medium=social&utm_content=post%207%268"
    )


# Short links -----------------------------------------------------------------------------------


@pytest.fixture
def target(workspace):
    campaign = CampaignFactory(workspace=workspace, slug="spring-roast")
    post = PostFactory(workspace=workspace, campaign=campaign)
    return PostTargetFactory(
        post=post, channel=ChannelFactory(workspace=workspace, platform="linkedin")
    )


def test_shortlink_for_sets_utm_from_channel_campaign_and_post(target, settings) -> None:
    settings.SMM_SHORT_LINK_BASE_URL = "https://rpl.example/"
    link = services.shortlink_for(target=target, url="https://shop.example/roast?ref=social")
    assert re.fullmatch(r"[A-Za-z0-9]{7,8}", link.code)
    assert link.workspace == target.workspace
    assert (link.post, link.channel, link.campaign) == (
        target.post,
        target.channel,
        target.post.campaign,
    )
    assert (link.utm_source, link.utm_medium, link.utm_campaign, link.utm_content) == (
        "linkedin",
        "social",
        "spring-roast",
        f"post-{target.post.pk}",
    )
    assert link.destination_url == (
        "https://shop.example/roast?ref=social&utm_source=linkedin&utm_medium=social"
        f"&utm_campaign=spring-roast&utm_content=post-{target.post.pk}"
    )
    assert services.short_url(link) == f"https://rpl.example/l/{link.code}"


def test_short_url_defaults_to_site_url(target, settings) -> None:
    settings.SITE_URL = "https://ripple.example"
    link = services.shortlink_for(target=target, url="https://shop.example/")
    assert services.short_url(link) == f"https://ripple.example/l/{link.code}"


def test_shortlink_for_reuses_the_link_of_the_same_target_and_url(target) -> None:
    first = services.shortlink_for(target=target, url="https://shop.example/a")
    again = services.shortlink_for(target=target, url=" https://shop.example/a ")
    other_url = services.shortlink_for(target=target, url="https://shop.example/b")
    other_target = PostTargetFactory(post=target.post, workspace=target.workspace)
    other_channel = services.shortlink_for(target=other_target, url="https://shop.example/a")
    assert again.pk == first.pk
    assert len({first.code, other_url.code, other_channel.code}) == 3
    assert other_channel.utm_source == "x"


def test_unclicked_link_follows_the_campaign_clicked_link_does_not(target, workspace) -> None:
    link = services.shortlink_for(target=target, url="https://shop.example/a")
    target.post.campaign = CampaignFactory(workspace=workspace, slug="summer")
    target.post.save()
    link = services.shortlink_for(target=target, url="https://shop.example/a")
    assert link.utm_campaign == "summer"
    assert "utm_campaign=summer" in link.destination_url
    services.link_click_record(code=link.code, when=timezone.now())
    target.post.campaign = None
    target.post.save()
    link = services.shortlink_for(target=target, url="https://shop.example/a")
    assert link.utm_campaign == "summer"


def test_codes_are_unique_even_when_the_random_source_repeats(target, monkeypatch) -> None:
    codes = iter(["Dup1234", "Dup1234", "New5678"])
    monkeypatch.setattr(services, "_new_code", lambda: next(codes))
    first = services.shortlink_for(target=target, url="https://shop.example/1")
    second = services.shortlink_for(target=target, url="https://shop.example/2")
    assert (first.code, second.code) == ("Dup1234", "New5678")


def test_many_codes_are_distinct(target) -> None:
    links = [
        services.shortlink_for(target=target, url=f"https://shop.example/{n}") for n in range(40)
    ]
    assert len({link.code for link in links}) == 40


@pytest.mark.parametrize("url", ["ftp://shop.example/a", "javascript:alert(1)", "not a url"])
def test_shortlink_for_refuses_non_web_urls(target, url: str) -> None:
    with pytest.raises(ValidationError, match="web address"):
        services.shortlink_for(target=target, url=url)


# tracked_text / tracked_link -------------------------------------------------------------------


def test_tracked_text_replaces_every_http_url(target, settings) -> None:
    settings.SMM_SHORT_LINK_BASE_URL = "https://rpl.example"
    target.post.text = (
        "New roast (https://shop.example/roast). Also see http://blog.example/x, "
        "www.cafe.example and https://shop.example/roast again!"
    )
    target.post.save()
    text = services.tracked_text(target=target)
    links = {link.original_url: link for link in ShortLink.objects.filter(target=target)}
    assert set(links) == {"https://shop.example/roast", "http://blog.example/x"}
    roast = f"https://rpl.example/l/{links['https://shop.example/roast'].code}"
    blog = f"https://rpl.example/l/{links['http://blog.example/x'].code}"
    assert text == (f"New roast ({roast}). Also see {blog}, www.cafe.example and {roast} again!")
    # Publishing twice does not shorten the short links nor make new ones.
    target.text = text
    assert services.tracked_text(target=target) == text
    assert ShortLink.objects.filter(target=target).count() == 2


def test_tracked_text_uses_the_variant_text(target) -> None:
    target.text = "Only here: https://shop.example/linkedin"
    text = services.tracked_text(target=target)
    link = ShortLink.objects.get(target=target)
    assert link.original_url == "https://shop.example/linkedin"
    assert text == f"Only here: {services.short_url(link)}"


def test_tracked_text_leaves_text_alone_when_tracking_is_off(target) -> None:
    target.post.shorten_links = False
    target.post.link = "https://shop.example/l"
    target.post.save()
    assert services.tracked_text(target=target) == target.post.text
    assert services.tracked_link(target=target) == "https://shop.example/l"
    assert not ShortLink.objects.exists()


def test_tracked_link_shortens_the_link_field(target) -> None:
    target.post.link = "https://shop.example/offer"
    target.post.save()
    short = services.tracked_link(target=target)
    link = ShortLink.objects.get(target=target)
    assert short == services.short_url(link)
    target.link = ""  # a deliberate empty variant
    assert services.tracked_link(target=target) == ""


def test_preview_writes_nothing_and_shows_existing_links(target, settings) -> None:
    settings.SMM_SHORT_LINK_BASE_URL = "https://rpl.example"
    target.post.text = "A https://shop.example/a B https://shop.example/b"
    target.post.save()
    existing = services.shortlink_for(target=target, url="https://shop.example/a")
    text = services.tracked_text(target=target, preview=True)
    assert text == f"A https://rpl.example/l/{existing.code} B https://rpl.example/l/xxxxxxx"
    assert ShortLink.objects.count() == 1


# Clicks ----------------------------------------------------------------------------------------


def test_clicks_are_counted_per_day_in_the_workspace_time_zone(target, workspace) -> None:
    workspace.timezone = "Europe/Amsterdam"
    workspace.save()
    link = services.shortlink_for(target=target, url="https://shop.example/a")
    with time_machine.travel(dt.datetime(2025, 3, 10, 22, 30, tzinfo=dt.UTC), tick=False):
        # 23:30 in Amsterdam: still 10 March there.
        services.link_click_record(code=link.code, when=timezone.now())
        services.link_click_record(code=link.code, when=timezone.now())
    with time_machine.travel(dt.datetime(2025, 3, 10, 23, 30, tzinfo=dt.UTC), tick=False):
        # 00:30 on 11 March in Amsterdam.
        services.link_click_record(code=link.code, when=timezone.now())
    days = dict(LinkClickDaily.objects.filter(link=link).values_list("day", "clicks"))
    assert days == {dt.date(2025, 3, 10): 2, dt.date(2025, 3, 11): 1}
    link.refresh_from_db()
    assert link.clicks == 3


def test_unknown_code_counts_nothing(target) -> None:
    assert services.link_click_record(code="nope123", when=timezone.now()) is None
    assert not LinkClickDaily.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_clicks_on_a_new_day_are_all_counted(workspace) -> None:
    link = ShortLinkFactory(target=PostTargetFactory(post=PostFactory(workspace=workspace)))
    when = timezone.now()
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def click() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                services.link_click_record(code=link.code, when=when)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert LinkClickDaily.objects.get(link=link).clicks == 40
    link.refresh_from_db()
    assert link.clicks == 40


# Tracking keys ---------------------------------------------------------------------------------


def test_tracking_key_is_stored_hashed_and_authenticates(workspace, alice) -> None:
    key, raw = services.tracking_key_create(workspace=workspace, by=alice, name=" Web shop ")
    assert raw.startswith("rtk_") and len(raw) > 40
    stored = TrackingKey.objects.get()
    assert stored.name == "Web shop"
    assert raw not in (stored.key_hash, stored.lookup_prefix)
    assert raw.startswith(stored.lookup_prefix)
    found = services.tracking_key_authenticate(raw)
    assert found == key and found.last_used_at is not None
    assert services.tracking_key_authenticate(raw + "x") is None
    assert services.tracking_key_authenticate("rpl_something") is None
    assert ActivityEvent.objects.filter(verb="tracking_key.created", target_label="Web shop")


def test_revoked_key_no_longer_authenticates(workspace, alice) -> None:
    key, raw = services.tracking_key_create(workspace=workspace, by=alice, name="CRM")
    services.tracking_key_revoke(key=key, by=alice)
    services.tracking_key_revoke(key=key, by=alice)
    assert services.tracking_key_authenticate(raw) is None
    assert ActivityEvent.objects.filter(verb="tracking_key.revoked").count() == 1


def test_tracking_key_needs_a_name(workspace, alice) -> None:
    with pytest.raises(ValidationError) as err:
        services.tracking_key_create(workspace=workspace, by=alice, name="  ")
    assert "name" in err.value.message_dict


# Conversions -----------------------------------------------------------------------------------


@pytest.fixture
def key(workspace, alice) -> TrackingKey:
    return services.tracking_key_create(workspace=workspace, by=alice, name="Shop")[0]


def test_conversion_by_code_takes_the_links_campaign_and_utm(key, target) -> None:
    link = services.shortlink_for(target=target, url="https://shop.example/a")
    conversion, created = services.conversion_record(
        key=key, kind="sale", value="24.95", currency="eur", code=link.code, external_id="o-1"
    )
    assert created
    assert (conversion.link, conversion.campaign) == (link, target.post.campaign)
    assert (conversion.utm_source, conversion.utm_campaign) == ("linkedin", "spring-roast")
    assert (conversion.value, conversion.currency) == (Decimal("24.95"), "EUR")


def test_conversion_by_utm_campaign_finds_the_campaign(key, workspace) -> None:
    campaign = CampaignFactory(workspace=workspace, slug="autumn")
    conversion, _ = services.conversion_record(
        key=key, kind="lead", utm_source="facebook", utm_campaign="autumn"
    )
    assert conversion.campaign == campaign and conversion.link is None
    other, _ = services.conversion_record(key=key, kind="lead", utm_campaign="newsletter-may")
    assert other.campaign is None and other.utm_campaign == "newsletter-may"


def test_conversion_is_idempotent_on_external_id(key) -> None:
    first, created = services.conversion_record(
        key=key, kind="sale", value=10, currency="EUR", utm_source="x", external_id="A-1"
    )
    again, created_again = services.conversion_record(
        key=key, kind="sale", value=99, currency="EUR", utm_source="x", external_id="A-1"
    )
    assert created and not created_again
    assert again.pk == first.pk and again.value == Decimal("10.00")
    assert Conversion.objects.count() == 1


def test_conversion_code_of_another_workspace_is_unknown(key, other_workspace) -> None:
    foreign = ShortLinkFactory(
        target=PostTargetFactory(post=PostFactory(workspace=other_workspace))
    )
    with pytest.raises(ValidationError) as err:
        services.conversion_record(key=key, kind="sale", code=foreign.code)
    assert "No tracked link" in err.value.message_dict["code"][0]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "refund", "utm_source": "x"}, "kind"),
        ({"kind": "sale", "utm_source": "x", "value": "-1", "currency": "EUR"}, "value"),
        ({"kind": "sale", "utm_source": "x", "value": "1.005", "currency": "EUR"}, "value"),
        ({"kind": "sale", "utm_source": "x", "value": "5"}, "currency"),
        ({"kind": "sale", "utm_source": "x", "value": "5", "currency": "EURO"}, "currency"),
        (
            {
                "kind": "sale",
                "utm_source": "x",
                "occurred_at": timezone.now() + dt.timedelta(days=1),
            },
            "occurred_at",
        ),
        ({"kind": "sale"}, "__all__"),
    ],
)
def test_conversion_validation(key, kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        services.conversion_record(key=key, **kwargs)
    fields = err.value.message_dict if hasattr(err.value, "error_dict") else {"__all__": 1}
    assert field in fields
    assert not Conversion.objects.exists()
