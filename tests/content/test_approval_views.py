"""The approval pages: the post's approval panel and its actions, the approvals queue. Roles,
404 across workspaces, errors that keep what was typed, the review link shown once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from content.models import Post, ReviewLink
from content.services import approval
from smm.models import Membership, Role, User, Workspace
from tests.content.test_approval_factories import (
    approvers_named,
    client_link,
    in_hours,
    membership_of,
    person,
    write_post,
    x_channel,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def channel(workspace: Workspace):
    return x_channel(workspace)


@pytest.fixture
def bob_m(bob: User, workspace: Workspace) -> Membership:
    return membership_of(bob, workspace)


@pytest.fixture
def carol(workspace: Workspace, alice: User) -> tuple[User, Membership]:
    return person(workspace, Role.CONTRIBUTOR, email="carol@example.com", name="Carol Contrib")


@pytest.fixture
def vera(workspace: Workspace) -> tuple[User, Membership]:
    return person(workspace, Role.VIEWER, email="vera@example.com", name="Vera Viewer")


@pytest.fixture
def draft(carol, channel) -> Post:
    return write_post(carol[1], [channel], scheduled_at=in_hours(24))


@pytest.fixture
def submitted(carol, draft, bob) -> Post:
    return approval.post_submit(post=draft, membership=carol[1])


def url(name: str, workspace: Workspace, post: Post) -> str:
    return reverse(f"content:{name}", args=[workspace.slug, post.pk])


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


# Tenancy ---------------------------------------------------------------------------------------

POST_VIEWS = [
    ("approval_panel", "get"),
    ("post_submit", "post"),
    ("post_approve", "post"),
    ("post_request_changes", "post"),
    ("review_link_create", "post"),
]


@pytest.mark.parametrize("name,method", POST_VIEWS)
def test_an_outsider_gets_404(client, mallory, workspace, submitted, name, method) -> None:
    as_user(client, mallory)
    response = getattr(client, method)(url(name, workspace, submitted), {"comment": "x"})
    assert response.status_code == 404
    assert Post.objects.get(pk=submitted.pk).status == Post.Status.IN_REVIEW


@pytest.mark.parametrize("name,method", POST_VIEWS)
def test_another_workspaces_post_id_is_404_for_a_member(
    client, alice, workspace, other_workspace, mallory, name, method
) -> None:
    theirs = write_post(membership_of(mallory, other_workspace), [x_channel(other_workspace)])
    as_user(client, alice)
    path = reverse(f"content:{name}", args=[workspace.slug, theirs.pk])
    response = getattr(client, method)(path, {"comment": "x", "reviewer_name": "C"})
    assert response.status_code == 404
    assert not ReviewLink.objects.exists()


def test_revoking_another_workspaces_link_is_404(
    client, alice, workspace, other_workspace, mallory
) -> None:
    theirs_m = membership_of(mallory, other_workspace)
    link, _ = client_link(write_post(theirs_m, [x_channel(other_workspace)]), theirs_m)
    as_user(client, alice)
    path = reverse("content:review_link_revoke", args=[workspace.slug, link.pk])
    assert client.post(path).status_code == 404
    as_user(client, mallory)
    assert client.post(path).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_an_outsider_gets_404_on_the_queue(client, mallory, workspace) -> None:
    as_user(client, mallory)
    assert client.get(reverse("content:approvals", args=[workspace.slug])).status_code == 404


def test_logged_out_visitors_are_sent_to_log_in(client, workspace, submitted) -> None:
    response = client.post(url("post_approve", workspace, submitted))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# Roles -----------------------------------------------------------------------------------------


def test_a_viewer_cannot_submit_or_send_links(client, workspace, vera, draft) -> None:
    as_user(client, vera[0])
    assert client.post(url("post_submit", workspace, draft)).status_code == 403
    response = client.post(url("review_link_create", workspace, draft), {"reviewer_name": "C"})
    assert response.status_code == 403


def test_a_viewer_who_is_not_an_approver_is_refused_with_a_message(
    client, workspace, vera, submitted
):
    as_user(client, vera[0])
    response = client.post(url("post_approve", workspace, submitted), follow=True)
    assert "not one of this workspace" in response.content.decode()
    assert Post.objects.get(pk=submitted.pk).status == Post.Status.IN_REVIEW


# The panel -------------------------------------------------------------------------------------


def panel(client: Client, workspace: Workspace, post: Post) -> str:
    response = client.get(url("approval_panel", workspace, post))
    assert response.status_code == 200
    return response.content.decode()


def test_the_author_who_needs_approval_sees_submit(client, workspace, carol, draft) -> None:
    html = panel(as_user(client, carol[0]), workspace, draft)
    assert "Submit for approval" in html
    assert "Approve</button>" not in html
    assert "Send to client for review" not in html


def test_an_approver_sees_the_decision_forms_with_the_version(
    client, workspace, bob, submitted
) -> None:
    html = panel(as_user(client, bob), workspace, submitted)
    assert "Approve</button>" in html
    assert "Request changes</button>" in html
    assert f'name="version" value="{submitted.version}"' in html
    assert "Waiting for approval by" in html
    assert "Send to client for review" in html


def test_a_named_viewer_sees_the_decision_forms(client, workspace, vera, submitted) -> None:
    approvers_named(workspace, vera[1])
    html = panel(as_user(client, vera[0]), workspace, submitted)
    assert "Approve</button>" in html
    assert "Waiting for approval by Vera Viewer." in html


def test_the_panel_shows_the_history_with_comments(client, workspace, bob_m, carol, submitted):
    approval.post_request_changes(post=submitted, membership=bob_m, comment="Add the price.")
    html = panel(as_user(client, carol[0]), workspace, submitted)
    assert "Bob Editor asked for changes:" in html
    assert "Add the price." in html
    assert "Submitted for approval" in html
    assert "Submit for approval" in html  # it can go back


def test_the_post_page_includes_the_panel_that_loads_itself(client, workspace, carol, draft):
    as_user(client, carol[0])
    response = client.get(url("post_detail", workspace, draft))
    assert response.status_code == 200
    assert url("approval_panel", workspace, draft) in response.content.decode()


# Actions ---------------------------------------------------------------------------------------


def test_submit_redirects_to_the_post(client, workspace, carol, draft, alice) -> None:
    as_user(client, carol[0])
    response = client.post(url("post_submit", workspace, draft), {"comment": "Please look"})
    assert response.status_code == 302
    assert response["Location"] == url("post_detail", workspace, draft)
    draft.refresh_from_db()
    assert draft.status == Post.Status.IN_REVIEW
    assert draft.reviews.get().comment == "Please look"


def test_submit_with_htmx_reloads_the_post_page(client, workspace, carol, draft) -> None:
    as_user(client, carol[0])
    response = client.post(url("post_submit", workspace, draft), **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == url("post_detail", workspace, draft)


def test_a_failed_submit_with_htmx_shows_why_and_keeps_the_note(client, workspace, carol):
    post = write_post(carol[1], [])
    as_user(client, carol[0])
    response = client.post(
        url("post_submit", workspace, post), {"comment": "My careful note"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pick at least one channel." in html
    assert "My careful note</textarea>" in html


def test_a_failed_action_without_htmx_keeps_the_text_for_the_panel(
    client, workspace, bob, submitted, carol
) -> None:
    # The author changed the post meanwhile: the approver's version is stale.
    stale = submitted.version
    Post.objects.filter(pk=submitted.pk).update(version=stale + 1)
    as_user(client, bob)
    response = client.post(
        url("post_request_changes", workspace, submitted),
        {"comment": "Shorter, please", "version": stale},
        follow=True,
    )
    assert "changed while you were reviewing" in response.content.decode()
    html = panel(client, workspace, submitted)
    assert "Shorter, please</textarea>" in html
    # Shown once.
    assert "Shorter, please" not in panel(client, workspace, submitted)


def test_request_changes_needs_a_comment(client, workspace, bob, submitted) -> None:
    as_user(client, bob)
    response = client.post(
        url("post_request_changes", workspace, submitted), {"comment": ""}, **HTMX
    )
    assert "Say what should change." in response.content.decode()
    assert Post.objects.get(pk=submitted.pk).status == Post.Status.IN_REVIEW


def test_approve_from_the_panel(client, workspace, bob, submitted) -> None:
    as_user(client, bob)
    response = client.post(
        url("post_approve", workspace, submitted), {"version": submitted.version}, follow=True
    )
    assert "Approved and scheduled." in response.content.decode()
    assert Post.objects.get(pk=submitted.pk).status == Post.Status.SCHEDULED


def test_approve_inline_from_the_queue_returns_the_row(client, workspace, bob, submitted) -> None:
    as_user(client, bob)
    response = client.post(
        url("post_approve", workspace, submitted),
        {"version": submitted.version, "from": "queue", "next": "/w/tulip-coffee/approvals/"},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="approval-row-{submitted.pk}"' in html
    assert "Approved and scheduled." in html
    assert "Approve</button>" not in html


def test_request_changes_inline_keeps_the_comment_on_error(
    client, workspace, bob, submitted
) -> None:
    as_user(client, bob)
    response = client.post(
        url("post_request_changes", workspace, submitted),
        {"version": submitted.version + 5, "from": "queue", "comment": "Too long"},
        **HTMX,
    )
    html = response.content.decode()
    assert "changed while you were reviewing" in html
    assert "Too long</textarea>" in html


def test_an_unsafe_next_is_ignored(client, workspace, bob, submitted) -> None:
    as_user(client, bob)
    response = client.post(
        url("post_approve", workspace, submitted), {"next": "https://evil.example/"}
    )
    assert response["Location"] == url("post_detail", workspace, submitted)


def test_making_a_review_link_shows_it_once(client, workspace, bob, draft) -> None:
    as_user(client, bob)
    response = client.post(
        url("review_link_create", workspace, draft),
        {"reviewer_name": "Carla Client", "reviewer_email": ""},
        follow=True,
    )
    assert "copy it below" in response.content.decode()
    html = panel(client, workspace, draft)
    assert "http://testserver/review/" in html
    assert "Carla Client" in html
    again = panel(client, workspace, draft)
    assert "http://testserver/review/" not in again
    assert "Carla Client" in again  # still listed as a live link
    assert ReviewLink.objects.get().reviewer_name == "Carla Client"


def test_a_review_link_is_emailed_after_the_commit(
    client, workspace, bob, draft, django_capture_on_commit_callbacks
):
    as_user(client, bob)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("review_link_create", workspace, draft),
            {"reviewer_name": "Carla Client", "reviewer_email": "carla@client.example"},
            follow=True,
        )
    assert "e-mailed to Carla Client" in response.content.decode()
    (message,) = [m for m in mail.outbox if m.to == ["carla@client.example"]]
    assert "http://testserver/review/" in message.body


# No test transaction around the request: the mail goes at once and its failure is known.
@pytest.mark.django_db(transaction=True)
def test_a_review_link_that_could_not_be_emailed_says_so(client, workspace, bob, draft, settings):
    settings.EMAIL_BACKEND = "tests.content.test_approval_services.BrokenBackend"
    as_user(client, bob)
    response = client.post(
        url("review_link_create", workspace, draft),
        {"reviewer_name": "Carla Client", "reviewer_email": "carla@client.example"},
        follow=True,
    )
    assert "the e-mail could not be sent" in response.content.decode()
    assert ReviewLink.objects.get().reviewer_email == "carla@client.example"


def test_a_review_link_with_a_bad_address_keeps_what_was_typed(client, workspace, bob, draft):
    as_user(client, bob)
    response = client.post(
        url("review_link_create", workspace, draft),
        {"reviewer_name": "Carla Client", "reviewer_email": "carla@"},
        **HTMX,
    )
    html = response.content.decode()
    assert "valid email address" in html.lower() or "valid e-mail" in html.lower()
    assert 'value="Carla Client"' in html
    assert 'value="carla@"' in html
    assert not ReviewLink.objects.exists()


def test_revoke_a_link(client, workspace, bob, bob_m, draft) -> None:
    link, raw = client_link(draft, bob_m)
    as_user(client, bob)
    response = client.post(reverse("content:review_link_revoke", args=[workspace.slug, link.pk]))
    assert response["Location"] == url("post_detail", workspace, draft)
    assert approval.review_link_resolve(raw) is None


def test_a_contributor_cannot_revoke_someone_elses_link(client, workspace, bob_m, draft):
    link, _ = client_link(draft, bob_m)
    _, dave = person(workspace, Role.CONTRIBUTOR)
    as_user(client, dave.user)
    response = client.post(
        reverse("content:review_link_revoke", args=[workspace.slug, link.pk]), follow=True
    )
    assert "Only its sender" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is None


# The queue -------------------------------------------------------------------------------------


def test_the_queue_lists_posts_awaiting_the_approver(client, workspace, bob, submitted, channel):
    as_user(client, bob)
    response = client.get(reverse("content:approvals", args=[workspace.slug]))
    html = response.content.decode()
    assert "Waiting for your approval" in html
    assert f'id="approval-row-{submitted.pk}"' in html
    assert "Carol Contrib" in html
    assert "Fresh beans from Huila" in html
    assert "@tulipcoffee" in html


def test_the_queue_shows_a_contributor_their_own_posts(client, workspace, bob_m, carol, submitted):
    approval.post_request_changes(post=submitted, membership=bob_m, comment="Add the price.")
    as_user(client, carol[0])
    html = client.get(reverse("content:approvals", args=[workspace.slug])).content.decode()
    assert "Waiting for your approval" not in html
    assert "Your posts in review" in html
    assert "Add the price." in html
    assert "Approve</button>" not in html


def test_a_named_viewer_has_a_queue(client, workspace, vera, submitted) -> None:
    approvers_named(workspace, vera[1])
    as_user(client, vera[0])
    html = client.get(reverse("content:approvals", args=[workspace.slug])).content.decode()
    assert f'id="approval-row-{submitted.pk}"' in html
    assert "Approve</button>" in html


def test_the_queue_costs_the_same_queries_for_ten_rows(
    client, workspace, bob, carol, channel, django_assert_num_queries
) -> None:
    for n in range(10):
        post = write_post(carol[1], [channel], text=f"Post number {n}")
        approval.post_submit(post=post, membership=carol[1])
    as_user(client, bob)
    path = reverse("content:approvals", args=[workspace.slug])
    client.get(path)  # warm the session, the content settings and the unread-count cache
    # session, user, user session (savepoint, select, user, update, release), membership with
    # workspace, content settings, named approvers, memberships (editors and up), posts in
    # review, their targets with channels, their reviews, own posts (none), the layout's
    # workspaces: 16, whatever the number of rows.
    with django_assert_num_queries(16):
        response = client.get(path)
    assert response.content.decode().count('id="approval-row-') == 10


def test_the_count_for_a_badge(workspace, bob_m, vera, carol, submitted) -> None:
    from content.selectors.approval import approval_count

    assert approval_count(workspace=workspace, membership=bob_m) == 1
    assert approval_count(workspace=workspace, membership=vera[1]) == 0
    assert approval_count(workspace=workspace, membership=carol[1]) == 0
