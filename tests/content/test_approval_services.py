"""content.services.approval: who approves (named approvers, or editors and up), submitting,
approving (and scheduling), asking for changes, version checks, an edit after approval, client
review links (expiry, revocation, another post), the activity log and the notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from content.models import ContentSettings, Post, PostReview, PostTarget, ReviewLink
from content.services import approval, approvers
from content.services.checks import PostInput
from content.services.posts import input_from_post, post_save
from smm.models import ActivityEvent, Membership, Notification, Role, User, Workspace
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


@pytest.fixture
def channel(workspace: Workspace):
    return x_channel(workspace)


@pytest.fixture
def alice_m(alice: User, workspace: Workspace) -> Membership:
    return membership_of(alice, workspace)


@pytest.fixture
def bob_m(bob: User, workspace: Workspace) -> Membership:
    return membership_of(bob, workspace)


@pytest.fixture
def carol(workspace: Workspace) -> tuple[User, Membership]:
    """A contributor."""
    return person(workspace, Role.CONTRIBUTOR, email="carol@example.com", name="Carol Contrib")


@pytest.fixture
def vera(workspace: Workspace) -> tuple[User, Membership]:
    """A viewer."""
    return person(workspace, Role.VIEWER, email="vera@example.com", name="Vera Viewer")


@pytest.fixture
def submitted(carol, channel, alice, bob) -> Post:
    post = write_post(carol[1], [channel], scheduled_at=in_hours(24))
    return approval.post_submit(post=post, membership=carol[1], comment="Ready?")


def notified(user: User, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind))


def verbs(workspace: Workspace) -> list[str]:
    events = ActivityEvent.objects.filter(workspace=workspace).order_by("pk")
    return list(events.values_list("verb", flat=True))


# Who approves ----------------------------------------------------------------------------------


def test_without_named_approvers_editors_and_up_approve(workspace, alice_m, bob_m, carol, vera):
    assert {m.pk for m in approvers.approvers(workspace)} == {alice_m.pk, bob_m.pk}


def test_named_approvers_replace_the_editors_and_may_be_viewers(
    workspace, alice_m, bob_m, vera, submitted
):
    approvers_named(workspace, vera[1])
    assert [m.pk for m in approvers.approvers(workspace)] == [vera[1].pk]
    assert approval.can_approve(vera[1], submitted)
    assert not approval.can_approve(bob_m, submitted)
    post = approval.post_approve(post=submitted, membership=vera[1])
    assert post.status == Post.Status.SCHEDULED
    with pytest.raises(PermissionDenied):
        approval.post_request_changes(post=post, membership=bob_m, comment="no")


def test_a_viewer_who_is_not_named_cannot_approve(vera, submitted) -> None:
    assert not approval.can_approve(vera[1], submitted)
    with pytest.raises(PermissionDenied):
        approval.post_approve(post=submitted, membership=vera[1])
    assert Post.objects.get(pk=submitted.pk).status == Post.Status.IN_REVIEW


def test_a_membership_of_another_workspace_named_by_mistake_never_approves(
    workspace, other_workspace, mallory, bob_m
):
    foreign = membership_of(mallory, other_workspace)
    approvers_named(workspace, foreign)
    assert foreign not in approvers.approvers(workspace)
    # Nobody valid is named: editors and up approve again.
    assert bob_m in approvers.approvers(workspace)


def test_a_contributor_never_approves_their_own_post_even_when_named(workspace, carol, submitted):
    approvers_named(workspace, carol[1])
    assert not approval.can_approve(carol[1], submitted)
    with pytest.raises(PermissionDenied):
        approval.post_approve(post=submitted, membership=carol[1])


def test_an_editor_may_approve_their_own_post(bob_m, channel) -> None:
    post = write_post(bob_m, [channel])
    approval.post_submit(post=post, membership=bob_m)
    assert approval.post_approve(post=post, membership=bob_m).status == Post.Status.APPROVED


def test_approval_is_needed_by_contributors_only_and_only_when_the_workspace_asks(
    workspace, carol, bob_m
):
    assert approval.approval_needed(carol[1])
    assert not approval.approval_needed(bob_m)
    ContentSettings.objects.filter(workspace=workspace).update(approval_required=False)
    assert not approval.approval_needed(carol[1])


# Submitting ------------------------------------------------------------------------------------


def test_submit_records_the_step_and_the_activity_and_tells_the_approvers(
    workspace, alice, bob, carol, submitted
):
    assert submitted.status == Post.Status.IN_REVIEW
    assert submitted.submitted_at is not None
    step = submitted.reviews.get()
    assert (step.action, step.actor, step.comment) == (
        PostReview.Action.SUBMITTED,
        carol[0],
        "Ready?",
    )
    assert step.post_version == submitted.version
    assert "post.submitted" in verbs(workspace)
    for approver in (alice, bob):
        (note,) = notified(approver, "post.submitted")
        assert "Carol Contrib" in note.message
        assert note.url == f"/w/{workspace.slug}/posts/{submitted.pk}/"
    assert not notified(carol[0], "post.submitted")


def test_the_approvers_are_emailed_after_the_commit(
    alice, bob, carol, channel, django_capture_on_commit_callbacks
):
    post = write_post(carol[1], [channel])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval.post_submit(post=post, membership=carol[1])
    assert sorted(m.to[0] for m in mail.outbox) == [alice.email, bob.email]


def test_a_post_with_errors_cannot_be_submitted(carol) -> None:
    post = write_post(carol[1], [])  # no channel
    with pytest.raises(ValidationError) as err:
        approval.post_submit(post=post, membership=carol[1])
    assert "Pick at least one channel." in err.value.messages
    assert Post.objects.get(pk=post.pk).status == Post.Status.DRAFT


def test_a_text_over_the_channels_limit_cannot_be_submitted(carol, channel) -> None:
    post = write_post(carol[1], [channel], text="x" * 400)
    with pytest.raises(ValidationError):
        approval.post_submit(post=post, membership=carol[1])


def test_only_a_draft_or_a_post_sent_back_is_submitted(carol, submitted) -> None:
    with pytest.raises(ValidationError):
        approval.post_submit(post=submitted, membership=carol[1])


def test_someone_elses_post_cannot_be_submitted_by_a_contributor(workspace, submitted) -> None:
    _, dave = person(workspace, Role.CONTRIBUTOR)
    with pytest.raises(PermissionDenied):
        approval.post_submit(post=submitted, membership=dave)


# Deciding --------------------------------------------------------------------------------------


def test_approving_a_post_planned_in_the_future_schedules_it(workspace, bob_m, carol, submitted):
    post = approval.post_approve(post=submitted, membership=bob_m, version=submitted.version)
    assert post.status == Post.Status.SCHEDULED
    assert post.approved_by_label == "Bob Editor"
    assert post.approved_at is not None
    target = post.targets.get()
    assert target.status == PostTarget.Status.SCHEDULED
    assert target.scheduled_at == post.scheduled_at
    assert verbs(workspace)[-2:] == ["post.approved", "post.scheduled"]
    (note,) = notified(carol[0], "post.approved")
    assert "Bob Editor" in note.message
    assert "scheduled" in note.message


def test_approving_a_post_whose_time_has_passed_leaves_it_approved(bob_m, carol, channel):
    post = write_post(carol[1], [channel], scheduled_at=in_hours(1))
    approval.post_submit(post=post, membership=carol[1])
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(minutes=5))
    post = approval.post_approve(post=post, membership=bob_m)
    assert post.status == Post.Status.APPROVED
    assert post.targets.get().status == PostTarget.Status.DRAFT
    (note,) = notified(carol[0], "post.approved")
    assert "pick a time" in note.message


def test_approving_a_post_without_a_time_leaves_it_approved(bob_m, carol, channel):
    post = write_post(carol[1], [channel])
    approval.post_submit(post=post, membership=carol[1])
    assert approval.post_approve(post=post, membership=bob_m).status == Post.Status.APPROVED


def test_approving_a_repeating_post_makes_its_copies(workspace, bob_m, carol, channel):
    first = in_hours(24)
    post = write_post(
        carol[1],
        [channel],
        scheduled_at=first,
        repeat_every=1,
        repeat_unit="week",
        repeat_until=(first + timedelta(days=15)).date(),
    )
    approval.post_submit(post=post, membership=carol[1])
    approval.post_approve(post=post, membership=bob_m)
    copies = Post.objects.filter(recurrence_parent=post)
    assert copies.count() == 2
    assert all(c.status == Post.Status.SCHEDULED for c in copies)


def test_requesting_changes_needs_a_comment(bob_m, submitted) -> None:
    with pytest.raises(ValidationError) as err:
        approval.post_request_changes(post=submitted, membership=bob_m, comment="   ")
    assert "comment" in err.value.message_dict
    assert Post.objects.get(pk=submitted.pk).status == Post.Status.IN_REVIEW


def test_requesting_changes_sends_the_comment_to_the_author(workspace, bob_m, carol, submitted):
    post = approval.post_request_changes(
        post=submitted, membership=bob_m, comment="Mention the tasting on Saturday."
    )
    assert post.status == Post.Status.CHANGES_REQUESTED
    step = post.reviews.last()
    assert (step.action, step.comment) == (
        PostReview.Action.CHANGES_REQUESTED,
        "Mention the tasting on Saturday.",
    )
    event = ActivityEvent.objects.filter(verb="post.changes_requested").get()
    assert event.data["reviewer"] == "Bob Editor"
    (note,) = notified(carol[0], "post.changes_requested")
    assert "Mention the tasting on Saturday." in note.message
    # Sent back, it can be changed and submitted again.
    approval.post_submit(post=post, membership=carol[1])
    assert Post.objects.get(pk=post.pk).status == Post.Status.IN_REVIEW


def test_a_decision_on_another_version_than_the_current_is_refused(bob_m, carol, submitted):
    seen = submitted.version
    data = input_from_post(submitted)
    data.text = "Fresh beans from Huila and Cauca are in."
    post_save(workspace=submitted.workspace, membership=carol[1], data=data, post=submitted)
    with pytest.raises(ValidationError) as err:
        approval.post_approve(post=submitted, membership=bob_m, version=seen)
    assert "changed while you were reviewing" in err.value.messages[0]
    with pytest.raises(ValidationError):
        approval.post_request_changes(post=submitted, membership=bob_m, comment="x", version=seen)
    assert Post.objects.get(pk=submitted.pk).status == Post.Status.IN_REVIEW


def test_a_post_not_awaiting_approval_cannot_be_decided(bob_m, carol, channel) -> None:
    post = write_post(carol[1], [channel])
    with pytest.raises(ValidationError):
        approval.post_approve(post=post, membership=bob_m)


# An edit after approval ------------------------------------------------------------------------


def test_a_contributors_edit_after_approval_sends_the_post_back_for_review(
    workspace, alice, bob, bob_m, carol, submitted
):
    approval.post_approve(post=submitted, membership=bob_m)
    post = Post.objects.get(pk=submitted.pk)
    assert post.status == Post.Status.SCHEDULED
    Notification.objects.all().delete()
    data = input_from_post(post)
    data.text = "Fresh beans are in, now 10% off!"
    post = post_save(workspace=workspace, membership=carol[1], data=data, post=post)
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    assert post.approved_at is None
    assert post.targets.get().status == PostTarget.Status.DRAFT
    assert post.reviews.last().action == PostReview.Action.REOPENED
    assert "post.reopened" in verbs(workspace)
    assert notified(alice, "post.reopened")
    assert notified(bob, "post.reopened")
    # The planned time is kept: approving again schedules it again.
    assert approval.post_approve(post=post, membership=bob_m).status == Post.Status.SCHEDULED


def test_an_editors_edit_after_approval_keeps_it_approved(workspace, bob_m, submitted) -> None:
    approval.post_approve(post=submitted, membership=bob_m)
    post = Post.objects.get(pk=submitted.pk)
    data = input_from_post(post)
    data.text = "Fresh beans are in (edited by an editor)."
    post_save(workspace=workspace, membership=bob_m, data=data, post=post)
    assert Post.objects.get(pk=post.pk).status == Post.Status.SCHEDULED


def test_a_planning_only_change_does_not_reopen(workspace, bob_m, carol, submitted) -> None:
    approval.post_approve(post=submitted, membership=bob_m)
    post = Post.objects.get(pk=submitted.pk)
    data: PostInput = input_from_post(post)
    post_save(workspace=workspace, membership=carol[1], data=data, post=post)
    assert Post.objects.get(pk=post.pk).status == Post.Status.SCHEDULED


# Client review links ---------------------------------------------------------------------------


def test_a_review_link_is_stored_hashed_and_resolves_from_its_raw_token(workspace, bob_m, channel):
    post = write_post(bob_m, [channel])
    link, raw = client_link(post, bob_m, name="  Carla   Client ")
    assert link.reviewer_name == "Carla Client"
    assert raw not in link.token_hash
    assert approval.review_link_resolve(raw) == link
    assert ReviewLink.objects.get(pk=link.pk).last_used_at is not None
    assert link.expires_at == pytest.approx(
        timezone.now() + timedelta(days=7), abs=timedelta(minutes=1)
    )
    assert "post.review_link_created" in verbs(workspace)
    # A draft is sent for approval with it.
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    assert post.reviews.get().action == PostReview.Action.SUBMITTED


def test_the_link_lifetime_follows_the_workspace_setting(workspace, bob_m, channel) -> None:
    ContentSettings.objects.update_or_create(workspace=workspace, defaults={"review_link_days": 2})
    link, _ = client_link(write_post(bob_m, [channel]), bob_m)
    assert link.expires_at == pytest.approx(
        timezone.now() + timedelta(days=2), abs=timedelta(minutes=1)
    )


@pytest.mark.parametrize("raw", ["", "nope", "x" * 101])
def test_unknown_tokens_resolve_to_nothing(raw: str, bob_m, channel) -> None:
    client_link(write_post(bob_m, [channel]), bob_m)
    assert approval.review_link_resolve(raw) is None


def test_expired_and_revoked_links_resolve_to_nothing(bob_m, channel) -> None:
    post = write_post(bob_m, [channel])
    expired, raw_expired = client_link(post, bob_m)
    ReviewLink.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked, raw_revoked = client_link(post, bob_m, name="Other")
    approval.review_link_revoke(link=revoked, membership=bob_m)
    assert approval.review_link_resolve(raw_expired) is None
    assert approval.review_link_resolve(raw_revoked) is None


def test_a_link_needs_a_name_and_a_valid_address(bob_m, channel) -> None:
    post = write_post(bob_m, [channel])
    with pytest.raises(ValidationError) as err:
        client_link(post, bob_m, name=" ", email="not-an-address")
    assert set(err.value.message_dict) == {"reviewer_name", "reviewer_email"}
    assert not ReviewLink.objects.exists()


def test_a_contributor_who_needs_approval_cannot_send_a_link_to_approve_themselves(carol, channel):
    post = write_post(carol[1], [channel])
    with pytest.raises(PermissionDenied):
        client_link(post, carol[1], name="Me, really")
    assert not ReviewLink.objects.exists()


def test_a_post_with_errors_is_not_sent_to_a_client(bob_m) -> None:
    post = write_post(bob_m, [])
    with pytest.raises(ValidationError):
        client_link(post, bob_m)


def test_a_client_approves_through_the_link(workspace, bob, bob_m, carol, channel, alice):
    post = write_post(carol[1], [channel], scheduled_at=in_hours(48))
    approval.post_submit(post=post, membership=carol[1])
    link, raw = client_link(post, bob_m)
    Notification.objects.all().delete()
    live = approval.review_link_resolve(raw)
    post = approval.post_approve(
        post=post, review_link=live, comment="Lovely", version=post.version
    )
    assert post.status == Post.Status.SCHEDULED
    assert post.approved_by_label == "Carla Client"
    step = post.reviews.last()
    assert (step.actor, step.actor_label, step.via_review_link) == (None, "Carla Client", link)
    event = ActivityEvent.objects.filter(verb="post.approved").get()
    assert event.actor is None
    assert event.actor_label == "Carla Client"
    assert event.data["via_review_link"] == link.pk
    # The author and whoever sent the link hear of it; nobody else.
    assert notified(carol[0], "post.approved")
    assert notified(bob, "post.approved")
    assert not notified(alice, "post.approved")


def test_a_client_asks_for_changes_with_a_comment(carol, bob, bob_m, channel) -> None:
    post = write_post(carol[1], [channel])
    approval.post_submit(post=post, membership=carol[1])
    link, _ = client_link(post, bob_m)
    with pytest.raises(ValidationError):
        approval.post_request_changes(post=post, review_link=link, comment="")
    post = approval.post_request_changes(post=post, review_link=link, comment="Less coffee jargon.")
    assert post.status == Post.Status.CHANGES_REQUESTED
    (note,) = notified(carol[0], "post.changes_requested")
    assert "Carla Client" in note.message
    assert "Less coffee jargon." in note.message
    assert notified(bob, "post.changes_requested")
    event = ActivityEvent.objects.filter(verb="post.changes_requested").get()
    assert event.actor_label == "Carla Client"


def test_a_link_only_decides_its_own_post(bob_m, channel) -> None:
    first = write_post(bob_m, [channel])
    second = write_post(bob_m, [channel], text="Another post")
    link, _ = client_link(first, bob_m)
    client_link(second, bob_m)
    with pytest.raises(PermissionDenied):
        approval.post_approve(post=second, review_link=link)
    assert Post.objects.get(pk=second.pk).status == Post.Status.IN_REVIEW


def test_a_link_revoked_while_the_page_was_open_decides_nothing(bob_m, channel) -> None:
    post = write_post(bob_m, [channel])
    link, raw = client_link(post, bob_m)
    opened = approval.review_link_resolve(raw)
    approval.review_link_revoke(link=link, membership=bob_m)
    opened.refresh_from_db()
    with pytest.raises(PermissionDenied):
        approval.post_approve(post=post, review_link=opened)


def test_a_decision_comes_from_a_member_or_a_link_never_both(bob_m, channel) -> None:
    post = write_post(bob_m, [channel])
    link, _ = client_link(post, bob_m)
    with pytest.raises(ValueError):
        approval.post_approve(post=post, membership=bob_m, review_link=link)
    with pytest.raises(ValueError):
        approval.post_approve(post=post)


def test_revoking_needs_the_sender_or_an_editor_of_the_post(workspace, bob_m, alice_m, channel):
    post = write_post(bob_m, [channel])
    link, _ = client_link(post, bob_m)
    _, dave = person(workspace, Role.CONTRIBUTOR)
    with pytest.raises(PermissionDenied):
        approval.review_link_revoke(link=link, membership=dave)
    approval.review_link_revoke(link=link, membership=alice_m)
    link.refresh_from_db()
    assert link.revoked_at is not None
    # Revoking twice records it once.
    approval.review_link_revoke(link=link, membership=alice_m)
    assert verbs(workspace).count("post.review_link_revoked") == 1


def test_a_link_of_another_workspace_is_never_revoked(bob_m, channel, other_workspace, mallory):
    link, _ = client_link(write_post(bob_m, [channel]), bob_m)
    with pytest.raises(PermissionDenied):
        approval.review_link_revoke(link=link, membership=membership_of(mallory, other_workspace))


def test_sending_a_link_emails_it_in_the_workspaces_language(
    workspace, bob_m, channel, django_capture_on_commit_callbacks
):
    workspace.language = "nl"
    workspace.save(update_fields=["language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after the commit
        sent = approval.review_link_send(
            post=write_post(bob_m, [channel]),
            membership=bob_m,
            reviewer_name="Carla Client",
            reviewer_email="carla@client.example",
        )
    assert sent.email_sent
    (message,) = [m for m in mail.outbox if m.to == ["carla@client.example"]]
    assert sent.url in message.body
    assert sent.url.startswith("http://testserver/review/")
    assert "Carla Client" in message.body
    assert "\n" not in message.subject


def test_sending_a_link_without_an_address_sends_nothing(bob_m, channel) -> None:
    mail.outbox.clear()
    sent = approval.review_link_send(
        post=write_post(bob_m, [channel]), membership=bob_m, reviewer_name="Carla"
    )
    assert not sent.email_sent
    assert mail.outbox == []
    assert approval.review_link_resolve(sent.url.rstrip("/").rsplit("/", 1)[-1]) == sent.link


# Outside a transaction the mail goes at once, so its failure shows in the result (inside one it
# would wait for the commit, which the test's own transaction never reaches).
@pytest.mark.django_db(transaction=True)
def test_a_failing_mail_server_keeps_the_link(bob_m, channel, settings) -> None:
    settings.EMAIL_BACKEND = "tests.content.test_approval_services.BrokenBackend"
    sent = approval.review_link_send(
        post=write_post(bob_m, [channel]),
        membership=bob_m,
        reviewer_name="Carla",
        reviewer_email="carla@client.example",
    )
    assert not sent.email_sent
    assert ReviewLink.objects.filter(pk=sent.link.pk).exists()


class BrokenBackend:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise ConnectionRefusedError("SMTP down")


def test_a_published_post_is_not_sent_for_review(bob_m, channel) -> None:
    post = write_post(bob_m, [channel])
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)
    post.refresh_from_db()
    with pytest.raises(ValidationError):
        client_link(post, bob_m)
