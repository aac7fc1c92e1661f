"""REST API: personal API tokens (hashed, read-only, expiry, revocation), workspace scoping,
service errors as 400s, and the OpenAPI schema with offline docs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from smm.models import ApiToken
from smm.services import api_token_create


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def token(alice):
    return api_token_create(user=alice, name="BI export")


def test_token_authenticates_and_is_stored_hashed(token, workspace) -> None:
    response = Client().get("/api/v1/me/", **bearer(token.raw))
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.com"
    assert [w["slug"] for w in response.json()["workspaces"]] == [workspace.slug]
    stored = ApiToken.objects.get(pk=token.token.pk)
    assert token.raw not in (stored.token_hash, stored.lookup_prefix)
    assert stored.last_used_at is not None


def test_no_token_or_a_wrong_one_is_401(db, token) -> None:
    assert Client().get("/api/v1/me/").status_code in (401, 403)
    response = Client().get("/api/v1/me/", **bearer(token.raw + "x"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_stops_working(client, alice, token) -> None:
    client.force_login(alice)
    client.post(reverse("smm:api_token_revoke", args=[token.token.pk]))
    assert Client().get("/api/v1/me/", **bearer(token.raw)).status_code == 401


def test_expired_token_stops_working(alice) -> None:
    created = api_token_create(
        user=alice, name="short", expires_at=timezone.now() + timedelta(days=1)
    )
    assert Client().get("/api/v1/me/", **bearer(created.raw)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert Client().get("/api/v1/me/", **bearer(created.raw)).status_code == 401


def test_read_only_token_cannot_write(alice, workspace) -> None:
    created = api_token_create(user=alice, name="dashboards", read_only=True)
    api = Client()
    assert (
        api.get(f"/api/v1/workspaces/{workspace.slug}/", **bearer(created.raw)).status_code == 200
    )
    response = api.patch(
        f"/api/v1/workspaces/{workspace.slug}/",
        {"name": "X"},
        content_type="application/json",
        **bearer(created.raw),
    )
    assert response.status_code == 403


def test_token_acts_with_the_users_role(bob, workspace) -> None:
    created = api_token_create(user=bob, name="editor token")
    response = Client().patch(
        f"/api/v1/workspaces/{workspace.slug}/",
        {"name": "X"},
        content_type="application/json",
        **bearer(created.raw),
    )
    assert response.status_code == 403  # bob is an editor


def test_token_of_another_workspace_gets_404(mallory, workspace) -> None:
    created = api_token_create(user=mallory, name="m")
    response = Client().get(f"/api/v1/workspaces/{workspace.slug}/members/", **bearer(created.raw))
    assert response.status_code == 404


def test_service_validation_errors_are_400s_with_fields(alice, workspace, token) -> None:
    response = Client().post(
        f"/api/v1/workspaces/{workspace.slug}/invitations/",
        {"email": "alice@example.com", "role": "editor"},
        content_type="application/json",
        **bearer(token.raw),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"]
    assert "already a member" in body["errors"]["email"][0]


# The mail goes after the commit: these tests commit for real, as a request does.
@pytest.mark.django_db(transaction=True)
def test_create_workspace_and_invite_through_the_api(alice, token, mailoutbox) -> None:
    api = Client()
    response = api.post(
        "/api/v1/workspaces/",
        {"name": "Client B", "timezone": "America/New_York"},
        content_type="application/json",
        **bearer(token.raw),
    )
    assert response.status_code == 201
    slug = response.json()["slug"]
    assert response.json()["timezone"] == "America/New_York"
    response = api.post(
        f"/api/v1/workspaces/{slug}/invitations/",
        {"email": "dev@example.com", "role": "viewer"},
        content_type="application/json",
        **bearer(token.raw),
    )
    assert response.status_code == 201 and response.json()["email_sent"] is True
    assert len(mailoutbox) == 1
    activity = api.get(f"/api/v1/workspaces/{slug}/activity/", **bearer(token.raw)).json()
    assert [e["verb"] for e in activity["results"]] == ["invitation.created", "workspace.created"]


def test_unknown_timezone_is_refused(token) -> None:
    response = Client().post(
        "/api/v1/workspaces/",
        {"name": "X", "timezone": "Mars/Olympus"},
        content_type="application/json",
        **bearer(token.raw),
    )
    assert response.status_code == 400 and "timezone" in response.json()["errors"]


def test_token_page_shows_the_secret_once(client, alice) -> None:
    client.force_login(alice)
    response = client.post(reverse("smm:api_tokens"), {"name": "Zapier", "read_only": "on"})
    raw = response.context["created"].raw
    assert raw.encode() in response.content
    assert raw.encode() not in client.get(reverse("smm:api_tokens")).content
    assert ApiToken.objects.get(name="Zapier").read_only


def test_schema_and_offline_docs(client, alice) -> None:
    client.force_login(alice)
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/workspaces/{slug}/members/" in paths
    docs = client.get("/api/docs/").content.decode()
    assert "cdn" not in docs.lower() and "unpkg" not in docs and "jsdelivr" not in docs
    assert "/static/drf_spectacular_sidecar/" in docs
    redoc = client.get("/api/redoc/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in redoc and "cdn.redoc.ly" not in redoc
