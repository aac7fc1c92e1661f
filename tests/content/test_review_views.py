"""The client's review page (no account): the post per channel, decisions and comments in the
reviewer's name, the workspace's language, dead links that reveal nothing, CSRF, and media that
load only for the link's own post."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from content.models import Post, PostComment, PostReview, ReviewLink, TargetMedia
from content.services import approval
from smm.models import ActivityEvent, Membership, Notification, Role, User, Workspace
from tests.content.test_approval_factories import (
    client_link,
    image,
    in_hours,
    membership_of,
    person,
    write_post,
    x_channel,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_m(bob: User, workspace: Workspace) -> Membership:
    return membership_of(bob, workspace)


@pytest.fixture
def carol(workspace: Workspace) -> tuple[User, Membership]:
    return person(workspace, Role.CONTRIBUTOR, email="carol@example.com", name="Carol Contrib")


@pytest.fixture
def asset(workspace: Workspace):
    return image(workspace)


@pytest.fixture
def post(carol, bob, workspace, asset) -> Post:
    post = write_post(
        carol[1],
        [x_channel(workspace)],
        text="Fresh beans from Huila are in. #coffee",
        scheduled_at=in_hours(24),
        media=[asset],
    )
    return approval.post_submit(post=post, membership=carol[1])


@pytest.fixture
def link_and_token(post, bob_m) -> tuple[ReviewLink, str]:
    return client_link(post, bob_m, name="Carla Client")


@pytest.fixture
def token(link_and_token) -> str:
    return link_and_token[1]


def page_url(token: str) -> str:
    return reverse("content:review", args=[token])


def test_the_page_shows_the_post_per_channel_without_an_account(client, token, post) -> None:
    response = client.get(page_url(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fresh beans from Huila are in." in html
    assert "Carla Client" in html
    assert "@tulipcoffee" in html
    assert 'name="robots" content="noindex, nofollow"' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'name="version" value="{post.version}"' in html
    # Media load through the link, never through the (logged-in) media views.
    media_url = reverse("content:review_media", args=[token, post.media_items.get().asset_id])
    assert media_url in html


def test_the_page_speaks_the_workspaces_language(client, workspace, token) -> None:
    workspace.language = "nl"
    workspace.save(update_fields=["language"])
    html = client.get(page_url(token), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="nl"' in html
    # A switcher would do nothing here: the page is in the client's (the workspace's) language.
    assert "account/language/" not in html


@pytest.mark.parametrize("how", ["unknown", "expired", "revoked"])
def test_a_dead_link_says_so_and_reveals_nothing(client, link_and_token, bob_m, how) -> None:
    link, token = link_and_token
    if how == "unknown":
        token = "A" * 43
    elif how == "expired":
        ReviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(1))
    else:
        approval.review_link_revoke(link=link, membership=bob_m)
    response = client.get(page_url(token))
    assert response.status_code == 404
    html = response.content.decode()
    assert "This review link is no longer valid" in html
    assert "Fresh beans" not in html
    assert "Tulip Coffee" not in html
    assert "Carla" not in html
    assert client.post(page_url(token), {"action": "approve"}).status_code == 404


def test_the_client_approves(client, token, post, carol, bob) -> None:
    response = client.post(
        page_url(token), {"action": "approve", "comment": "Lovely!", "version": post.version}
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(token)
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    step = post.reviews.last()
    assert (step.action, step.actor_label, step.comment) == (
        PostReview.Action.APPROVED,
        "Carla Client",
        "Lovely!",
    )
    assert step.via_review_link is not None
    event = ActivityEvent.objects.filter(verb="post.approved").get()
    assert event.actor_label == "Carla Client"
    assert Notification.objects.filter(recipient=carol[0], kind="post.approved").exists()
    html = client.get(page_url(token)).content.decode()
    assert "Thank you: you approved this post." in html
    assert "Approved and scheduled." in html
    assert 'value="approve"' not in html  # nothing left to decide


def test_the_client_requests_changes_with_a_comment(client, token, post, carol) -> None:
    response = client.post(page_url(token), {"action": "request_changes", "comment": ""})
    assert response.status_code == 400
    assert "Say what should change." in response.content.decode()
    response = client.post(
        page_url(token),
        {
            "action": "request_changes",
            "comment": "Say Saturday, not Sunday.",
            "version": post.version,
        },
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.CHANGES_REQUESTED
    assert post.reviews.last().comment == "Say Saturday, not Sunday."
    note = Notification.objects.get(recipient=carol[0], kind="post.changes_requested")
    assert "Carla Client" in note.message
    html = client.get(page_url(token)).content.decode()
    assert "Say Saturday, not Sunday." in html  # the client sees their feedback


def test_a_stale_version_is_refused_and_the_comment_kept(client, token, post) -> None:
    response = client.post(
        page_url(token),
        {"action": "request_changes", "comment": "My long remark", "version": post.version + 1},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "changed while you were reviewing" in html
    assert "My long remark</textarea>" in html
    assert Post.objects.get(pk=post.pk).status == Post.Status.IN_REVIEW


def test_the_client_comments(client, token, post, carol) -> None:
    response = client.post(page_url(token), {"action": "comment", "comment": "Nice photo."})
    assert response.status_code == 302
    comment = PostComment.objects.get()
    assert (comment.author, comment.author_label, comment.body) == (
        None,
        "Carla Client",
        "Nice photo.",
    )
    assert comment.via_review_link is not None
    assert Post.objects.get(pk=post.pk).status == Post.Status.IN_REVIEW
    assert Notification.objects.filter(recipient=carol[0], kind="post.commented").exists()


def test_an_unknown_action_is_refused(client, token) -> None:
    assert client.post(page_url(token), {"action": "delete"}).status_code == 400


def test_the_forms_need_a_csrf_token(token, post) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(page_url(token), {"action": "approve"})
    assert response.status_code == 403
    assert Post.objects.get(pk=post.pk).status == Post.Status.IN_REVIEW


def test_a_logged_in_member_of_another_workspace_gets_nothing_more(client, mallory, token) -> None:
    client.force_login(mallory)
    # The link is the key: with it the page opens (for anyone holding it) ...
    assert client.get(page_url(token)).status_code == 200
    # ... without it, nothing.
    assert client.get(page_url("x" + token[1:])).status_code == 404


# Media -----------------------------------------------------------------------------------------


def media_url(token: str, media_id: int) -> str:
    return reverse("content:review_media", args=[token, media_id])


def test_the_posts_media_load_without_login(client, token, asset) -> None:
    response = client.get(media_url(token, asset.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_channels_own_media_load_too(client, token, post, workspace) -> None:
    own = image(workspace, name="own.jpg", width=1000)
    target = post.targets.get()
    TargetMedia.objects.create(target=target, asset=own)
    assert client.get(media_url(token, own.pk)).status_code == 200


def test_other_media_of_the_workspace_are_404(client, token, workspace) -> None:
    unrelated = image(workspace, name="secret-launch.jpg")
    assert client.get(media_url(token, unrelated.pk)).status_code == 404


def test_media_of_another_workspace_are_404(client, token, other_workspace) -> None:
    theirs = image(other_workspace, name="theirs.jpg")
    assert client.get(media_url(token, theirs.pk)).status_code == 404


def test_media_of_another_post_with_its_own_link_are_404(client, token, bob_m, workspace) -> None:
    other_asset = image(workspace, name="other-post.jpg")
    other = write_post(bob_m, [x_channel(workspace, "@second")], media=[other_asset])
    client_link(other, bob_m)
    assert client.get(media_url(token, other_asset.pk)).status_code == 404


def test_media_through_a_dead_link_are_404(client, link_and_token, asset, bob_m) -> None:
    link, token = link_and_token
    approval.review_link_revoke(link=link, membership=bob_m)
    assert client.get(media_url(token, asset.pk)).status_code == 404


def test_a_rendition_request_never_fails_the_image(client, token, asset) -> None:
    response = client.get(media_url(token, asset.pk) + "?platform=nowhere&fit=crop")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")


def test_an_image_is_served_as_the_platform_gets_it(client, token, asset) -> None:
    response = client.get(media_url(token, asset.pk) + "?platform=x&fit=crop")
    assert response.status_code == 200
    assert asset.renditions.filter(platform="x", fit="crop").exists()
