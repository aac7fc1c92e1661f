"""A possible duplicate (a late success with another id than the target's post): shown in the
publishing panel and the "needs attention" list with both links, in the API, and deleted in one
click through the adapter's delete_post (Mastodon: DELETE /api/v1/statuses/:id, answered by
`responses` with the recorded Status entity and checked against Mastodon's OpenAPI contract);
where the platform cannot delete posts, the person is told to delete it there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import responses
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from content.models import Post, PostTarget, PublishAttempt
from content.services import publishing
from smm.models import ActivityEvent, Role, User, Workspace
from tests.channels_app.adapters import contract_openapi
from tests.content.test_calendar_factories import make_channel
from tests.content.test_publishing_factories import (
    SPEC,
    STATUSES,
    S,
    due_post,
    fixture,
    mastodon_channel,
)
from tests.factories import member

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
FIRST = "https://social.example/@tulip/999"
EXTRA = "https://social.example/@tulip/111"


def duplicated(workspace: Workspace, channel: Any, author: User | None = None) -> PostTarget:
    """A target published as 999 whose first attempt answered late with 111."""
    post = due_post(workspace, [channel], at=timezone.now() - timedelta(minutes=5), author=author)
    target = post.targets.get()
    PostTarget.objects.filter(pk=target.pk).update(
        status=S.PUBLISHED,
        external_id="999",
        external_url=FIRST,
        published_at=timezone.now(),
        attempts=2,
        duplicate_external_id="111",
        duplicate_url=EXTRA,
    )
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)
    PublishAttempt.objects.create(
        workspace=workspace,
        target=target,
        number=1,
        started_at=timezone.now() - timedelta(minutes=4),
        finished_at=timezone.now(),
        outcome=PublishAttempt.Outcome.LATE_SUCCESS,
        external_id="111",
        external_url=EXTRA,
        detail="id 111, after the target was settled; a second copy may be on the platform",
    )
    target.refresh_from_db()
    return target


def target_url(name: str, target: PostTarget) -> str:
    return reverse(f"content:{name}", args=[target.workspace.slug, target.post_id, target.pk])


@pytest.fixture
def target(workspace: Workspace, bob: User) -> PostTarget:
    return duplicated(workspace, mastodon_channel(workspace), author=bob)


@pytest.fixture
def alice_client(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


def delete_answer() -> None:
    responses.delete(f"{STATUSES}/111", json=fixture("status_deleted"))


def assert_deleted(target: PostTarget) -> None:
    target.refresh_from_db()
    assert not target.has_possible_duplicate
    assert (target.status, target.external_id, target.duplicate_external_id) == (
        S.PUBLISHED,
        "999",
        "",
    )
    deleted = PublishAttempt.objects.get(target=target, outcome=PublishAttempt.Outcome.DELETED)
    assert (deleted.external_id, deleted.external_url) == ("111", EXTRA)
    assert ActivityEvent.objects.filter(verb="post.duplicate_deleted").count() == 1


# The service ----------------------------------------------------------------------------------


@responses.activate
def test_delete_the_extra_copy_calls_delete_on_the_platform_and_records_it(
    target: PostTarget, alice: User
) -> None:
    delete_answer()
    membership = target.workspace.memberships.get(user=alice)

    publishing.target_delete_duplicate(target=target, membership=membership)

    (call,) = responses.calls
    assert call.request.method == "DELETE"
    assert call.request.url.startswith(f"{STATUSES}/111")
    contract_openapi.validate_call(SPEC, call)
    assert_deleted(target)


@responses.activate
def test_a_failed_delete_changes_nothing(target: PostTarget, alice: User) -> None:
    responses.delete(f"{STATUSES}/111", status=503, json={"error": "unavailable"})
    membership = target.workspace.memberships.get(user=alice)
    with pytest.raises(ValidationError) as err:
        publishing.target_delete_duplicate(target=target, membership=membership)
    assert "did not delete the extra copy" in str(err.value)
    target.refresh_from_db()
    assert target.has_possible_duplicate
    assert not PublishAttempt.objects.filter(outcome=PublishAttempt.Outcome.DELETED).exists()


# The panel, the problems list and the action ----------------------------------------------------


def test_the_panel_and_the_problems_list_show_both_links(alice_client, target) -> None:
    panel = alice_client.get(
        reverse("content:publishing_panel", args=[target.workspace.slug, target.post_id]), **HTMX
    ).content.decode()
    assert "Possible duplicate:" in panel
    assert FIRST in panel and EXTRA in panel
    assert target_url("target_delete_duplicate", target) in panel
    assert "Delete the extra copy" in panel
    assert "Published after it was settled" in panel  # the late attempt in the log
    problems = alice_client.get(
        reverse("content:publishing_problems", args=[target.workspace.slug])
    ).content.decode()
    assert "Possible duplicate:" in problems and EXTRA in problems


@responses.activate
def test_one_click_deletes_the_extra_copy(alice_client, target) -> None:
    delete_answer()
    response = alice_client.post(
        target_url("target_delete_duplicate", target), {"from": "panel"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The extra copy on Mastodon" in html and "was deleted" in html
    assert "Possible duplicate:" not in html
    assert len(responses.calls) == 1
    assert_deleted(target)


def test_where_the_platform_cannot_delete_the_person_is_sent_there(
    alice_client, workspace, bob
) -> None:
    instagram = duplicated(workspace, make_channel(workspace, "instagram"), author=bob)
    response = alice_client.post(target_url("target_delete_duplicate", instagram))
    assert response.status_code == 400
    html = response.content.decode()
    assert "delete it on Instagram" in html
    assert EXTRA in html
    instagram.refresh_from_db()
    assert instagram.has_possible_duplicate


def test_outsider_404_and_viewer_403(client, mallory, target) -> None:
    client.force_login(mallory)
    assert client.post(target_url("target_delete_duplicate", target)).status_code == 404
    client.force_login(member(target.workspace, Role.VIEWER, email="vera@example.com"))
    assert client.post(target_url("target_delete_duplicate", target)).status_code == 403
    target.refresh_from_db()
    assert target.has_possible_duplicate


# The API ----------------------------------------------------------------------------------------


@responses.activate
def test_api_shows_the_possible_duplicate_and_deletes_it(alice, target) -> None:
    api = APIClient()
    api.force_authenticate(alice)
    slug = target.workspace.slug
    (row,) = api.get(reverse("api:post_targets", args=[slug, target.post_id])).json()
    assert (row["possible_duplicate"], row["duplicate_external_id"], row["duplicate_url"]) == (
        True,
        "111",
        EXTRA,
    )
    late = row["attempts_log"][0]
    assert (late["outcome"], late["external_id"], late["external_url"]) == (
        "late_success",
        "111",
        EXTRA,
    )
    delete_answer()
    url = reverse("api:target_delete_duplicate", args=[slug, target.post_id, target.pk])
    answer = api.post(url)
    assert answer.status_code == 200
    assert answer.json()["possible_duplicate"] is False
    assert_deleted(target)
    # Nothing left to delete: refused with the reason.
    again = api.post(url)
    assert again.status_code == 400
    assert "no extra copy" in again.content.decode()
