"""The channels API: no tokens ever, guidelines and slots, and the rules registry."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from channels_app.models import Channel, Platform
from smm.services import api_token_create


@pytest.fixture
def api(client, alice):
    token = api_token_create(user=alice, name="tests").raw
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_channel_list_has_health_and_no_tokens(api, workspace, x_channel):
    response = api.get(reverse("api:channel_list", args=[workspace.slug]))
    assert response.status_code == 200
    [item] = response.json()
    assert item["handle"] == "@tulipcoffee"
    assert item["health"]["level"] == "ok"
    assert item["guidelines"]["default_hashtags"] == []
    body = response.content.decode()
    assert "access_token" not in body and "refresh_token" not in body and "SECRET" not in body


def test_guidelines_and_slots_through_the_api(api, workspace, x_channel):
    base = f"/api/v1/workspaces/{workspace.slug}/channels/{x_channel.pk}"
    response = api.patch(
        f"{base}/guidelines/",
        {"role": "service", "default_hashtags": ["#tulip", "coffee"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["default_hashtags"] == ["tulip", "coffee"]
    response = api.patch(
        f"{base}/guidelines/", {"banned_hashtags": ["tulip"]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "banned_hashtags" in response.json()["errors"]
    response = api.post(
        f"{base}/slots/", {"weekday": 0, "time": "08:15"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["time"] == "08:15"
    slot_id = response.json()["id"]
    assert api.delete(f"{base}/slots/{slot_id}/").status_code == 204


def test_disconnect_through_the_api(api, workspace, x_channel):
    response = api.post(f"/api/v1/workspaces/{workspace.slug}/channels/{x_channel.pk}/disconnect/")
    assert response.status_code == 200 and response.json()["status"] == "disconnected"
    x_channel.refresh_from_db()
    assert x_channel.status == Channel.Status.DISCONNECTED


def test_the_rules_registry_covers_every_platform(api):
    response = api.get("/api/v1/platforms/")
    assert response.status_code == 200
    assert {item["kind"] for item in response.json()} == set(Platform.values)
    bluesky = api.get("/api/v1/platforms/bluesky/").json()
    assert bluesky["text"]["limit"] == 300
    assert api.get("/api/v1/platforms/myspace/").status_code == 404


def test_the_registry_needs_a_login(client):
    assert client.get("/api/v1/platforms/").status_code in (401, 403)


def test_admin_never_shows_tokens(client, workspace, x_channel):
    admin_user = get_user_model().objects.create_superuser(
        email="root@example.com", password="root-password-123"
    )
    client.force_login(admin_user)
    page = client.get(
        reverse("admin:channels_app_channel_change", args=[x_channel.pk])
    ).content.decode()
    assert "@tulipcoffee" in page
    assert "SECRET" not in page and "fernet:" not in page
