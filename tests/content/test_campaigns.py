"""Campaigns: services (slug, dates, tags, archive), the list with post counts per status in
one query, the detail page with the posts in the workspace's time zone, roles, and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from content.models import Campaign, Post
from content.selectors.campaigns import campaign_list
from content.services.campaigns import (
    campaign_archive,
    campaign_create,
    campaign_unarchive,
    campaign_update,
    clean_tags,
)
from smm.models import ActivityEvent, Role
from tests.factories import member


def _campaign(workspace, by, name="Spring launch", **extra):
    return campaign_create(workspace=workspace, by=by, name=name, objective="awareness", **extra)


# Services ---------------------------------------------------------------------------------------


def test_slug_is_made_from_the_name_and_kept_unique(alice, workspace, other_workspace, mallory):
    first = _campaign(workspace, alice)
    second = _campaign(workspace, alice)
    elsewhere = _campaign(other_workspace, mallory)
    assert (first.slug, second.slug, elsewhere.slug) == (
        "spring-launch",
        "spring-launch-2",
        "spring-launch",
    )
    assert ActivityEvent.objects.filter(verb="campaign.created", workspace=workspace).count() == 2


def test_a_chosen_slug_is_normalised_and_must_be_free(alice, workspace):
    campaign = _campaign(workspace, alice, slug="Summer Sale!")
    assert campaign.slug == "summer-sale"
    with pytest.raises(ValidationError) as err:
        _campaign(workspace, alice, name="Other", slug="summer-sale")
    assert "slug" in err.value.message_dict


def test_slug_can_be_edited_but_not_to_a_taken_one(alice, workspace):
    a = _campaign(workspace, alice, name="A")
    _campaign(workspace, alice, name="B")
    campaign_update(campaign=a, by=alice, slug="a-2025")
    assert Campaign.objects.get(pk=a.pk).slug == "a-2025"
    with pytest.raises(ValidationError) as err:
        campaign_update(campaign=a, by=alice, slug="b")
    assert "uses the slug “b”" in err.value.message_dict["slug"][0]
    # Renaming keeps the slug (tracked links already use it).
    campaign_update(campaign=a, by=alice, name="A renamed", slug="")
    assert Campaign.objects.get(pk=a.pk).slug == "a-2025"


def test_end_before_start_is_refused(alice, workspace):
    with pytest.raises(ValidationError) as err:
        _campaign(workspace, alice, starts_on=dt.date(2025, 5, 2), ends_on=dt.date(2025, 5, 1))
    assert "ends_on" in err.value.message_dict
    campaign = _campaign(workspace, alice, starts_on=dt.date(2025, 5, 1))
    with pytest.raises(ValidationError):
        campaign_update(campaign=campaign, by=alice, ends_on=dt.date(2025, 4, 30))
    same_day = campaign_update(campaign=campaign, by=alice, ends_on=dt.date(2025, 5, 1))
    assert same_day.ends_on == dt.date(2025, 5, 1)


def test_tags_are_cleaned():
    assert clean_tags(" spring, #Coffee ,coffee,, new  launch ") == [
        "spring",
        "Coffee",
        "new launch",
    ]
    assert clean_tags(["a", "A", " b "]) == ["a", "b"]
    with pytest.raises(ValidationError):
        clean_tags([f"t{i}" for i in range(21)])


def test_blank_name_bad_objective_and_colour_are_refused(alice, workspace):
    for kwargs, field in (
        ({"name": "  "}, "name"),
        ({"objective": "fame"}, "objective"),
        ({"color": "red"}, "color"),
    ):
        values = {"name": "X", "objective": "traffic", **kwargs}
        with pytest.raises(ValidationError) as err:
            campaign_create(workspace=workspace, by=alice, **values)
        assert field in err.value.message_dict


def test_update_logs_changed_fields_only(alice, workspace):
    campaign = _campaign(workspace, alice)
    campaign_update(campaign=campaign, by=alice, name="Spring launch", description="")
    assert not ActivityEvent.objects.filter(verb="campaign.updated").exists()
    campaign_update(campaign=campaign, by=alice, description="For the new roast", tags="a, b")
    event = ActivityEvent.objects.get(verb="campaign.updated")
    assert sorted(event.data["fields"]) == ["description", "tags"]


def test_archive_and_unarchive(alice, workspace):
    campaign = _campaign(workspace, alice)
    campaign_archive(campaign=campaign, by=alice)
    assert list(campaign_list(workspace=workspace)) == []
    assert list(campaign_list(workspace=workspace, archived=True)) == [campaign]
    campaign_archive(campaign=campaign, by=alice)  # twice: one event
    campaign_unarchive(campaign=campaign, by=alice)
    assert list(campaign_list(workspace=workspace)) == [campaign]
    verbs = list(ActivityEvent.objects.filter(verb__startswith="campaign.").values_list("verb"))
    assert [v for (v,) in verbs].count("campaign.archived") == 1


def test_list_counts_posts_per_status_in_one_query(alice, workspace, django_assert_num_queries):
    spring = _campaign(workspace, alice)
    _campaign(workspace, alice, name="Empty")
    for status in ("draft", "draft", "scheduled", "published"):
        Post.objects.create(workspace=workspace, campaign=spring, status=status, text="x")
    with django_assert_num_queries(1):
        rows = {c.name: c for c in campaign_list(workspace=workspace)}
    assert rows["Spring launch"].posts_total == 4
    assert rows["Spring launch"].posts_draft == 2
    assert rows["Spring launch"].posts_scheduled == 1
    assert rows["Spring launch"].posts_in_review == 0
    assert rows["Empty"].posts_total == 0


# Pages -----------------------------------------------------------------------------------------


def test_create_through_the_page(client, bob, workspace):
    client.force_login(bob)  # editors manage campaigns
    response = client.post(
        reverse("content:campaign_create", args=[workspace.slug]),
        {
            "name": "Autumn blend",
            "objective": "engagement",
            "starts_on": "2025-09-01",
            "ends_on": "2025-10-15",
            "tags": "autumn, #blend",
            "color": "#aa5500",
        },
    )
    campaign = Campaign.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "content:campaign_detail", args=[workspace.slug, campaign.pk]
    )
    assert campaign.slug == "autumn-blend"
    assert campaign.tags == ["autumn", "blend"]
    assert campaign.created_by == bob


def test_errors_keep_what_was_typed(client, alice, workspace):
    client.force_login(alice)
    response = client.post(
        reverse("content:campaign_create", args=[workspace.slug]),
        {
            "name": "Winter",
            "objective": "leads",
            "starts_on": "2025-12-10",
            "ends_on": "2025-12-01",
            "description": "Keep this text",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The campaign cannot end before it starts." in page
    assert "Keep this text" in page and 'value="Winter"' in page
    assert not Campaign.objects.exists()


def test_detail_shows_posts_in_the_workspace_time_zone(client, alice, workspace):
    workspace.timezone = "America/New_York"
    workspace.save(update_fields=["timezone"])
    campaign = _campaign(workspace, alice)
    Post.objects.create(
        workspace=workspace,
        campaign=campaign,
        status="scheduled",
        text="Our new roast is here",
        scheduled_at=dt.datetime(2025, 3, 20, 13, 30, tzinfo=dt.UTC),
    )
    Post.objects.create(workspace=workspace, campaign=campaign, text="Idea for later")
    client.force_login(alice)
    page = client.get(reverse("content:campaign_detail", args=[workspace.slug, campaign.pk]))
    html = page.content.decode()
    assert "Our new roast is here" in html and "Idea for later" in html
    assert "9:30" in html  # 13:30 UTC is 09:30 in New York (EDT)
    assert "Times in America/New_York." in html
    assert "Scheduled" in html and "not planned" in html


def test_viewers_see_but_cannot_change(client, workspace, alice):
    viewer = member(workspace, Role.VIEWER)
    campaign = _campaign(workspace, alice)
    client.force_login(viewer)
    detail = reverse("content:campaign_detail", args=[workspace.slug, campaign.pk])
    page = client.get(detail).content.decode()
    assert "Spring launch" in page and "Save campaign" not in page
    assert (
        "New campaign"
        not in client.get(reverse("content:campaign_list", args=[workspace.slug])).content.decode()
    )
    assert client.post(detail, {"name": "Hacked", "objective": "leads"}).status_code == 403
    assert client.get(reverse("content:campaign_create", args=[workspace.slug])).status_code == 403
    archive = reverse("content:campaign_archive", args=[workspace.slug, campaign.pk])
    assert client.post(archive).status_code == 403


def test_outsider_gets_404(client, mallory, alice, workspace):
    campaign = _campaign(workspace, alice)
    client.force_login(mallory)
    for name, args in (
        ("content:campaign_list", [workspace.slug]),
        ("content:campaign_create", [workspace.slug]),
        ("content:campaign_detail", [workspace.slug, campaign.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404
    # Their own workspace with our campaign's id: 404 as well.
    other = mallory.memberships.get().workspace
    assert (
        client.get(reverse("content:campaign_detail", args=[other.slug, campaign.pk])).status_code
        == 404
    )


def test_archive_through_the_page(client, alice, workspace):
    campaign = _campaign(workspace, alice)
    client.force_login(alice)
    response = client.post(
        reverse("content:campaign_archive", args=[workspace.slug, campaign.pk]), follow=True
    )
    assert "archived. Its posts and links are kept." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.archived_at is not None


def test_campaign_list_query_count(client, alice, workspace, django_assert_num_queries):
    for i in range(10):
        c = _campaign(workspace, alice, name=f"Campaign {i}")
        Post.objects.create(workspace=workspace, campaign=c, status="draft")
    client.force_login(alice)
    url = reverse("content:campaign_list", args=[workspace.slug])
    client.get(url)  # the first request of a session records it (usersessions)
    # session, user, usersession read + its user + last-seen update (2 savepoints): 7;
    # membership+workspace, campaigns with counts, heartbeat, workspace switcher, channels
    # needing a reconnect (admins): 12, the same for 10 or 100 campaigns.
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count('class="campaign-row"') == 10


# API -------------------------------------------------------------------------------------------


def test_api_create_list_patch_archive(client, bob, workspace):
    client.force_login(bob)
    url = reverse("api:campaign_list", args=[workspace.slug])
    response = client.post(
        url,
        {"name": "Launch", "objective": "traffic", "tags": ["a", "#A", "b"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "launch" and body["tags"] == ["a", "b"]
    assert body["posts"]["total"] == 0
    detail = reverse("api:campaign_detail", args=[workspace.slug, body["id"]])
    bad = client.patch(
        detail,
        {"starts_on": "2025-05-02", "ends_on": "2025-05-01"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "ends_on" in bad.json()["errors"]
    ok = client.patch(detail, {"description": "Go"}, content_type="application/json")
    assert ok.json()["description"] == "Go"
    assert client.delete(detail).status_code == 204
    assert client.get(url).json() == []
    assert [c["name"] for c in client.get(url + "?archived=1").json()] == ["Launch"]
    restored = client.patch(detail, {"archived": False}, content_type="application/json")
    assert restored.json()["archived_at"] is None


def test_api_roles(client, workspace, alice):
    viewer = member(workspace, Role.VIEWER)
    campaign = _campaign(workspace, alice)
    client.force_login(viewer)
    url = reverse("api:campaign_list", args=[workspace.slug])
    assert client.get(url).status_code == 200
    created = client.post(url, {"name": "X", "objective": "leads"}, content_type="application/json")
    assert created.status_code == 403
    detail = reverse("api:campaign_detail", args=[workspace.slug, campaign.pk])
    assert client.delete(detail).status_code == 403


def test_api_outsider_gets_404(client, mallory, alice, workspace):
    campaign = _campaign(workspace, alice)
    client.force_login(mallory)
    other = mallory.memberships.get().workspace
    assert (
        client.get(reverse("api:campaign_detail", args=[other.slug, campaign.pk])).status_code
        == 404
    )
    assert client.get(reverse("api:campaign_list", args=[workspace.slug])).status_code == 404


def test_campaign_posts_come_by_time_unplanned_last(alice, workspace):
    # The detail selector orders unplanned posts last on every database.
    from content.selectors.campaigns import campaign_posts

    campaign = _campaign(workspace, alice)
    later = Post.objects.create(
        workspace=workspace, campaign=campaign, scheduled_at=timezone.now() + dt.timedelta(days=2)
    )
    unplanned = Post.objects.create(workspace=workspace, campaign=campaign)
    sooner = Post.objects.create(
        workspace=workspace, campaign=campaign, scheduled_at=timezone.now() + dt.timedelta(days=1)
    )
    assert list(campaign_posts(campaign=campaign)) == [sooner, later, unplanned]
