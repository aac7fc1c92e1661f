"""REST API of tracked links: the conversion endpoint (tracking keys only) and the link list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from content.models import Conversion, LinkClickDaily
from content.services import links as services
from smm.models import Role
from smm.services import api_token_create
from tests.content.test_links_factories import (
    CampaignFactory,
    PostFactory,
    PostTargetFactory,
    ShortLinkFactory,
)
from tests.factories import member

URL = "/api/v1/conversions/"


@pytest.fixture
def api() -> APIClient:
    return APIClient(enforce_csrf_checks=True)


@pytest.fixture
def raw_key(workspace, alice) -> str:
    return services.tracking_key_create(workspace=workspace, by=alice, name="Shop")[1]


@pytest.fixture
def link(workspace):
    campaign = CampaignFactory(workspace=workspace, slug="spring")
    return ShortLinkFactory(
        target=PostTargetFactory(post=PostFactory(workspace=workspace, campaign=campaign)),
        utm_campaign="spring",
    )


def _post(api: APIClient, body: dict, key: str | None):
    headers = {"authorization": f"Bearer {key}"} if key is not None else {}
    return api.post(URL, body, format="json", headers=headers)


def test_url_name() -> None:
    assert reverse("api:conversion_create") == URL


def test_conversion_by_code_is_created_then_deduplicated(api, raw_key, link) -> None:
    body = {
        "kind": "sale",
        "value": "24.95",
        "currency": "EUR",
        "code": link.code,
        "external_id": "order-1001",
        "occurred_at": "2025-05-01T14:30:00+02:00",
    }
    first = _post(api, body, raw_key)
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["code"] == link.code and data["campaign"] == "spring"
    assert data["value"] == "24.95" and data["utm_campaign"] == "spring"
    assert dt.datetime.fromisoformat(data["occurred_at"]) == dt.datetime(
        2025, 5, 1, 12, 30, tzinfo=dt.UTC
    )
    again = _post(api, {**body, "value": "30.00"}, raw_key)
    assert again.status_code == 200
    assert again.json()["id"] == data["id"] and again.json()["value"] == "24.95"
    assert Conversion.objects.count() == 1


def test_conversion_by_utm(api, raw_key, link) -> None:
    response = _post(
        api, {"kind": "lead", "utm_source": "linkedin", "utm_campaign": "spring"}, raw_key
    )
    assert response.status_code == 201
    assert response.json()["campaign"] == "spring" and response.json()["code"] is None


@pytest.mark.parametrize(
    "header",
    [None, "Bearer rtk_not-a-real-key", "Bearer", "Basic YWxpY2U6cGFzcw==", "Token abc"],
)
def test_missing_or_bad_key_is_401(api, raw_key, link, header) -> None:
    headers = {"authorization": header} if header is not None else {}
    response = api.post(URL, {"kind": "lead", "code": link.code}, format="json", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Conversion.objects.exists()


def test_revoked_key_is_401(api, workspace, alice, link) -> None:
    key, raw = services.tracking_key_create(workspace=workspace, by=alice, name="Old")
    services.tracking_key_revoke(key=key, by=alice)
    assert _post(api, {"kind": "lead", "code": link.code}, raw).status_code == 401


def test_session_and_personal_token_do_not_work(api, alice, link) -> None:
    api.force_login(alice)
    assert _post(api, {"kind": "lead", "code": link.code}, None).status_code == 401
    raw = api_token_create(user=alice, name="mine").raw
    assert _post(api, {"kind": "lead", "code": link.code}, raw).status_code == 401
    assert not Conversion.objects.exists()


def test_a_key_cannot_attribute_to_another_workspaces_link(api, other_workspace, mallory, link):
    raw = services.tracking_key_create(workspace=other_workspace, by=mallory, name="Theirs")[1]
    response = _post(api, {"kind": "sale", "code": link.code}, raw)
    assert response.status_code == 400
    assert "No tracked link" in response.json()["errors"]["code"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "refund", "utm_source": "x"}, "kind"),
        ({"kind": "sale", "utm_source": "x", "value": "-3"}, "value"),
        ({"kind": "sale", "utm_source": "x", "value": "3"}, "currency"),
        ({"kind": "sale", "utm_source": "x", "value": "3", "currency": "E1"}, "currency"),
        ({"kind": "sale", "utm_source": "x", "occurred_at": "yesterday"}, "occurred_at"),
        ({"kind": "sale"}, "non_field_errors"),
        ({"kind": "sale", "code": "Nope123"}, "code"),
    ],
)
def test_validation_errors_say_what_is_wrong(api, raw_key, body: dict, field: str) -> None:
    response = _post(api, body, raw_key)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"], body


def test_future_conversion_is_refused(api, raw_key) -> None:
    when = (timezone.now() + dt.timedelta(days=2)).isoformat()
    response = _post(api, {"kind": "sale", "utm_source": "x", "occurred_at": when}, raw_key)
    assert response.status_code == 400 and "occurred_at" in response.json()["errors"]


# Link list -------------------------------------------------------------------------------------


def test_link_list_with_clicks_per_day(api, workspace, link) -> None:
    viewer = member(workspace, Role.VIEWER)
    LinkClickDaily.objects.create(link=link, day=timezone.localdate(), clicks=4)
    api.force_login(viewer)
    response = api.get(reverse("api:link_list", args=[workspace.slug]), {"days": 7})
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["code"] == link.code and row["campaign"] == "spring"
    assert row["short_url"].endswith(f"/l/{link.code}")
    assert len(row["clicks_per_day"]) == 7
    assert row["clicks_per_day"][-1] == {"day": timezone.localdate().isoformat(), "clicks": 4}


def test_link_list_is_404_for_outsiders(api, workspace, mallory, link) -> None:
    api.force_login(mallory)
    assert api.get(reverse("api:link_list", args=[workspace.slug])).status_code == 404


def test_link_list_refuses_a_tracking_key(api, workspace, raw_key) -> None:
    response = api.get(
        reverse("api:link_list", args=[workspace.slug]),
        headers={"authorization": f"Bearer {raw_key}"},
    )
    assert response.status_code in (401, 403)
