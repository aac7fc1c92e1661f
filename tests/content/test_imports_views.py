"""CSV import pages and API: upload, report, downloads, roles and other workspaces."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from content.models import ImportBatch, Post
from content.services.imports import posts_import
from smm.models import Membership, Role, Workspace
from tests.factories import ChannelFactory, member


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def _at(days: int = 5) -> str:
    return f"{timezone.localtime() + dt.timedelta(days=days):%Y-%m-%d} 10:00"


@pytest.fixture
def channel(workspace: Workspace):
    return ChannelFactory(workspace=workspace, platform="x", handle="@tulip")


@pytest.fixture
def plan() -> bytes:
    return _csv(
        [
            ["publish_at", "channels", "text"],
            [_at(), "@tulip", "Good one"],
            [_at(), "@tulip", "x" * 300],
            ["", "@tulip", "A draft"],
        ]
    )


def _upload(data: bytes, name: str = "plan.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def _batch(workspace: Workspace, user, raw: bytes, **kw: object) -> ImportBatch:
    membership = Membership.objects.get(workspace=workspace, user=user)
    return posts_import(
        workspace=workspace, membership=membership, raw=raw, filename="plan.csv", **kw
    )


def test_upload_imports_and_shows_the_report(client, bob, workspace, channel, plan) -> None:
    client.force_login(bob)
    url = reverse("content:import", args=[workspace.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert reverse("content:import_template", args=[workspace.slug]).encode() in page.content
    response = client.post(url, {"file": _upload(plan)}, follow=True)
    batch = ImportBatch.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "content:import_detail", args=[workspace.slug, batch.pk]
    )
    html = response.content.decode()
    assert "Imported 2 of 3 rows; 1 were not imported" in html
    assert 'data-status="scheduled"' in html and 'data-status="error"' in html
    assert "X counts 300 of 280 characters." in html
    post_ids = [e["post_id"] for e in batch.report[1:] if e["post_id"]]
    for post_id in post_ids:
        assert reverse("content:post_detail", args=[workspace.slug, post_id]) in html
    assert reverse("content:import_failed_csv", args=[workspace.slug, batch.pk]) in html
    listing = client.get(url).content.decode()
    assert "plan.csv" in listing and "1 not imported" in listing


def test_upload_errors_keep_the_form(client, bob, workspace, channel) -> None:
    client.force_login(bob)
    url = reverse("content:import", args=[workspace.slug])
    response = client.post(url, {"file": _upload(b"text\nhello\n"), "dry_run": "on"})
    assert response.status_code == 400
    assert "has no column “channels”" in response.content.decode()
    assert 'name="dry_run" role="switch" checked' in response.content.decode()
    assert client.post(url, {}).status_code == 400
    assert not ImportBatch.objects.exists()


def test_dry_run_then_import(client, bob, workspace, channel, plan) -> None:
    client.force_login(bob)
    response = client.post(
        reverse("content:import", args=[workspace.slug]),
        {"file": _upload(plan), "dry_run": "on"},
        follow=True,
    )
    html = response.content.decode()
    assert "Dry run: 2 of 3 rows can be imported, 1 have errors." in html
    assert "Will be scheduled" in html
    assert not Post.objects.exists()
    dry = ImportBatch.objects.get()
    response = client.post(
        reverse("content:import_confirm", args=[workspace.slug, dry.pk]), follow=True
    )
    real = ImportBatch.objects.exclude(pk=dry.pk).get()
    assert response.redirect_chain[-1][0].endswith(f"/import/{real.pk}/")
    assert Post.objects.count() == 2
    again = client.post(
        reverse("content:import_confirm", args=[workspace.slug, real.pk]), follow=True
    )
    assert "imported already" in again.content.decode()
    assert Post.objects.count() == 2


def test_failed_rows_and_template_downloads(client, bob, workspace, channel, plan) -> None:
    batch = _batch(workspace, bob, plan)
    client.force_login(bob)
    response = client.get(reverse("content:import_failed_csv", args=[workspace.slug, batch.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="plan-not-imported.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["error", "publish_at", "channels", "text"]
    assert rows[1][3] == "x" * 300
    template = client.get(reverse("content:import_template", args=[workspace.slug]))
    assert template.status_code == 200
    assert "tulip" in template.content.decode("utf-8-sig")
    clean = _batch(workspace, bob, _csv([["channels", "text"], ["@tulip", "ok"]]))
    assert (
        client.get(
            reverse("content:import_failed_csv", args=[workspace.slug, clean.pk])
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER])
def test_roles_below_editor_may_not_import(client, workspace, channel, plan, role) -> None:
    user = member(workspace, role)
    client.force_login(user)
    assert client.get(reverse("content:import", args=[workspace.slug])).status_code == 403
    response = client.post(
        reverse("content:import", args=[workspace.slug]), {"file": _upload(plan)}
    )
    assert response.status_code == 403
    assert client.get(reverse("content:import_template", args=[workspace.slug])).status_code == 403
    api = client.post(reverse("api:import_create", args=[workspace.slug]), {"file": _upload(plan)})
    assert api.status_code == 403
    assert not ImportBatch.objects.exists()


def test_other_workspace_gets_404(
    client, alice, mallory, workspace, other_workspace, channel, plan
) -> None:
    batch = _batch(workspace, alice, plan)
    client.force_login(mallory)
    for name in ("content:import_detail", "content:import_failed_csv"):
        assert client.get(reverse(name, args=[workspace.slug, batch.pk])).status_code == 404
        # Their own workspace, our batch id: still 404.
        assert client.get(reverse(name, args=[other_workspace.slug, batch.pk])).status_code == 404
    assert (
        client.post(
            reverse("content:import_confirm", args=[other_workspace.slug, batch.pk])
        ).status_code
        == 404
    )
    assert client.get(reverse("content:import", args=[workspace.slug])).status_code == 404
    assert (
        client.get(reverse("api:import_detail", args=[workspace.slug, batch.pk])).status_code == 404
    )
    assert (
        client.get(reverse("api:import_detail", args=[other_workspace.slug, batch.pk])).status_code
        == 404
    )


def test_list_page_queries(client, bob, workspace, channel, django_assert_num_queries) -> None:
    for _ in range(10):
        _batch(workspace, bob, _csv([["channels", "text"], ["@tulip", "ok"]]), dry_run=True)
    client.force_login(bob)
    url = reverse("content:import", args=[workspace.slug])
    client.get(url)
    # session, user, user session (select, user, update in a savepoint: 5 with the savepoint
    # pair), membership + workspace, the workspace for the context processors, the batches
    # with their uploader: 10, whatever the number of batches.
    with django_assert_num_queries(10) as ctx:
        response = client.get(url)
    batch_queries = [q["sql"] for q in ctx.captured_queries if "content_importbatch" in q["sql"]]
    assert len(batch_queries) == 1
    assert '"content_importbatch"."content"' not in batch_queries[0]  # 2 MB files stay put
    assert response.content.decode().count('class="import-status dry-run"') == 10


# API -------------------------------------------------------------------------------------------


def test_api_import_returns_the_report(client, bob, workspace, channel, plan) -> None:
    client.force_login(bob)
    response = client.post(
        reverse("api:import_create", args=[workspace.slug]), {"file": _upload(plan)}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["dry_run"] is False
    assert body["rows_total"] == 3 and body["rows_imported"] == 2 and body["rows_failed"] == 1
    assert [r["status"] for r in body["rows"]] == ["scheduled", "error", "draft"]
    assert body["rows"][0]["post_url"].endswith(
        reverse("content:post_detail", args=[workspace.slug, body["rows"][0]["post_id"]])
    )
    assert body["rows"][1]["errors"] == ["X @tulip: X counts 300 of 280 characters."]
    assert body["failed_rows_csv_url"].endswith(f"/import/{body['id']}/not-imported.csv")
    detail = client.get(reverse("api:import_detail", args=[workspace.slug, body["id"]]))
    assert detail.json() == body
    listing = client.get(reverse("api:import_create", args=[workspace.slug])).json()
    assert listing[0]["id"] == body["id"] and listing[0]["dry_run"] is False


def test_api_dry_run_and_file_errors(client, bob, workspace, channel, plan) -> None:
    client.force_login(bob)
    url = reverse("api:import_create", args=[workspace.slug])
    body = client.post(url, {"file": _upload(plan), "dry_run": "true"}).json()
    assert body["dry_run"] is True and body["rows_imported"] == 0
    assert not Post.objects.exists()
    bad = client.post(url, {"file": _upload(b"")})
    assert bad.status_code == 400
    assert "file" in bad.json()["errors"]
    broken = client.post(url, {"file": _upload(b"title\nno channels column\n")})
    assert broken.status_code == 400
    assert "channels" in broken.json()["errors"]["file"][0]


def test_api_schema_has_the_import_endpoints(client, alice) -> None:
    client.force_login(alice)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/workspaces/{slug}/imports/" in text
    assert "/api/v1/workspaces/{slug}/imports/{batch_id}/" in text


def test_too_big_upload_is_refused_before_reading(client, bob, workspace, channel) -> None:
    client.force_login(bob)
    big = b"channels,text\n@tulip," + b"x" * (2 * 1024 * 1024)
    response = client.post(reverse("content:import", args=[workspace.slug]), {"file": _upload(big)})
    assert response.status_code == 400
    assert "the limit is 2 MB" in response.content.decode()
    api = client.post(reverse("api:import_create", args=[workspace.slug]), {"file": _upload(big)})
    assert api.status_code == 400
    assert "limit is 2 MB" in api.json()["errors"]["file"][0]
    assert not ImportBatch.objects.exists()
