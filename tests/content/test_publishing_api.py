"""The publishing API: a post's targets with their state and attempt log, and the target
actions (retry, mark-published, mark-not-published, reschedule): roles, state rules, 404 across
workspaces and posts, no secrets in the answers."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from channels_app.models import Channel
from content.models import Post, PostTarget
from smm.models import Role, User, Workspace
from tests.content.test_calendar_factories import make_channel
from tests.content.test_publishing_views import attempt, problem_post, set_target
from tests.factories import member

pytestmark = pytest.mark.django_db
S = PostTarget.Status


@pytest.fixture
def api(alice: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture
def problems(workspace: Workspace, bob: User) -> tuple[Post, PostTarget, PostTarget, PostTarget]:
    return problem_post(workspace, bob)


def targets_url(post: Post, workspace: Workspace | None = None) -> str:
    return reverse("api:post_targets", args=[(workspace or post.workspace).slug, post.pk])


def action_url(name: str, target: PostTarget, workspace: Workspace | None = None) -> str:
    slug = (workspace or target.workspace).slug
    return reverse(f"api:{name}", args=[slug, target.post_id, target.pk])


def by_id(data: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row["id"]: row for row in data}


def test_list_targets_with_state_and_attempts(api, problems) -> None:
    post, failed, unknown, held = problems
    published_channel = make_channel(post.workspace, "bluesky")
    extra = PostTarget.objects.create(
        workspace=post.workspace,
        post=post,
        channel=published_channel,
        status=S.PUBLISHED,
        external_id="at://did:plc:abc/app.bsky.feed.post/3k",
        external_url="https://bsky.app/profile/tulip/post/3k",
        published_at=timezone.now(),
    )
    response = api.get(targets_url(post))
    assert response.status_code == 200
    rows = by_id(response.json())
    assert set(rows) == {failed.pk, unknown.pk, held.pk, extra.pk}
    assert rows[failed.pk]["status"] == "failed"
    assert rows[failed.pk]["last_error"] == "Rejected: the text is a duplicate."
    assert rows[unknown.pk]["hold_reason"] == "unknown"
    assert rows[held.pk]["hold_reason"] == "channel"
    assert rows[held.pk]["channel"]["status"] == Channel.Status.NEEDS_RECONNECT
    assert rows[extra.pk]["external_url"] == "https://bsky.app/profile/tulip/post/3k"
    log = rows[failed.pk]["attempts_log"]
    assert len(log) == 1
    assert log[0]["outcome"] == "rejected"
    assert log[0]["detail"] == "HTTP 403: duplicate content"
    assert log[0]["duration_ms"] == 1234 and log[0]["duration"] == "1.2 s"
    assert log[0]["worker"] == "celery@worker-1"


def test_answers_carry_no_secrets(api, problems) -> None:
    post, failed, *_ = problems
    attempt(failed, number=2, detail="POST /2/tweets?oauth_token=tokSECRET Bearer abcdefSECRET")
    body = json.dumps(api.get(targets_url(post)).json())
    assert "SECRET" not in body
    for channel in Channel.objects.filter(workspace=post.workspace):
        assert channel.access_token not in body


def test_outsider_and_other_posts_are_404(problems, mallory, other_workspace, alice) -> None:
    post, failed, *_ = problems
    outsider = APIClient()
    outsider.force_authenticate(mallory)
    assert outsider.get(targets_url(post)).status_code == 404
    assert outsider.post(action_url("target_retry", failed)).status_code == 404
    # A foreign post through alice's workspace slug, and a target of another post: 404.
    client = APIClient()
    client.force_authenticate(alice)
    foreign_post, foreign_target, *_f = problem_post(other_workspace, None)
    assert client.get(targets_url(foreign_post, post.workspace)).status_code == 404
    assert (
        client.post(action_url("target_retry", foreign_target, post.workspace)).status_code == 404
    )
    other_post, *_o = problem_post(post.workspace, None, text="Another")
    wrong = reverse("api:target_retry", args=[post.workspace.slug, other_post.pk, failed.pk])
    assert client.post(wrong).status_code == 404
    foreign_target.refresh_from_db()
    failed.refresh_from_db()
    assert foreign_target.status == S.FAILED and failed.status == S.FAILED


def test_viewer_reads_but_cannot_act(problems) -> None:
    post, failed, *_ = problems
    client = APIClient()
    client.force_authenticate(member(post.workspace, Role.VIEWER, email="vera@example.com"))
    assert client.get(targets_url(post)).status_code == 200
    response = client.post(action_url("target_retry", failed))
    assert response.status_code == 403
    assert response.json()["detail"] and response.json()["code"] == "permission_denied"


def test_contributor_needing_approval_is_refused_with_the_reason(workspace) -> None:
    from content.services.approval import settings_for

    contributor = member(workspace, Role.CONTRIBUTOR, email="carol@example.com")
    content_settings = settings_for(workspace)
    content_settings.approval_required = True
    content_settings.save()
    _post, failed, *_ = problem_post(workspace, contributor)
    client = APIClient()
    client.force_authenticate(contributor)
    response = client.post(action_url("target_retry", failed))
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your role cannot publish this post.",
        "code": "permission_denied",
    }


def test_retry(api, problems) -> None:
    _post, failed, unknown, _held = problems
    response = api.post(action_url("target_retry", failed))
    assert response.status_code == 200
    assert response.json()["status"] == "scheduled"
    # Unknown outcome: refused until the client confirms it checked the platform.
    response = api.post(action_url("target_retry", unknown), {}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert "Check Mastodon first" in response.json()["errors"]["confirm_not_published"][0]
    response = api.post(
        action_url("target_retry", unknown), {"confirm_not_published": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "scheduled"
    # Now scheduled: a second retry is refused by the state rule.
    response = api.post(action_url("target_retry", failed))
    assert response.status_code == 400
    assert "can be retried" in response.json()["detail"]
    assert response.json()["errors"] == {"non_field_errors": [response.json()["detail"]]}


def test_mark_published(api, problems) -> None:
    _post, failed, unknown, _held = problems
    response = api.post(
        action_url("target_mark_published", unknown),
        {"url": "https://social.example/@tulip/1"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "published"
    assert body["external_url"] == "https://social.example/@tulip/1"
    assert body["published_at"]
    response = api.post(action_url("target_mark_published", failed), {"url": "nope"}, format="json")
    assert response.status_code == 400
    assert "url" in response.json()["errors"]
    assert api.post(action_url("target_mark_published", failed)).status_code == 200
    # Already published: refused.
    assert api.post(action_url("target_mark_published", failed)).status_code == 400


def test_mark_not_published(api, problems) -> None:
    _post, failed, unknown, _held = problems
    response = api.post(action_url("target_mark_not_published", unknown))
    assert response.status_code == 200
    assert response.json()["status"] == "failed"
    response = api.post(action_url("target_mark_not_published", failed))
    assert response.status_code == 400


def test_reschedule(api, problems) -> None:
    _post, failed, _unknown, held = problems
    at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    response = api.post(
        action_url("target_reschedule", failed), {"scheduled_at": at.isoformat()}, format="json"
    )
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == S.SCHEDULED and failed.scheduled_at == at
    past = timezone.now() - timedelta(hours=1)
    response = api.post(
        action_url("target_reschedule", held), {"scheduled_at": past.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Pick a time in the future."
    response = api.post(action_url("target_reschedule", held), {}, format="json")
    assert response.status_code == 400
    assert "scheduled_at" in response.json()["errors"]
    # A published target cannot be rescheduled.
    set_target(held, status=S.PUBLISHED)
    response = api.post(
        action_url("target_reschedule", held), {"scheduled_at": at.isoformat()}, format="json"
    )
    assert response.status_code == 400


def test_schema_documents_the_publishing_endpoints(api) -> None:
    response = api.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    paths = json.dumps(response.json()["paths"])
    for op in (
        "posts_targets_list",
        "posts_targets_retry",
        "posts_targets_mark_published",
        "posts_targets_mark_not_published",
        "posts_targets_reschedule",
    ):
        assert op in paths
