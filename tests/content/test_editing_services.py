"""The use cases the views and the API share (content.services.editing, .retrying,
.campaign_editing): a draft keeps what was typed when the action after the save is refused; a
scheduled post's edit is checked again, all or nothing; an unknown outcome is retried only once
confirmed; a campaign's change and its archiving happen together or not at all."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from channels_app.models import Channel
from content.models import Post, PostReview, PostTarget
from content.services import approval, editing
from content.services.campaign_editing import campaign_change
from content.services.campaigns import campaign_create
from content.services.checks import PostInput
from content.services.planning import post_schedule
from content.services.posts import VersionConflict, input_from_post, post_save
from content.services.retrying import target_retry_confirmed
from smm.models import Membership, Role, User, Workspace
from tests.content.test_publishing_views import problem_post
from tests.factories import ChannelFactory, member

FUTURE = timezone.now() + dt.timedelta(days=3)


@pytest.fixture
def x(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="x", handle="@tulipcoffee")


def membership_of(user: User, workspace: Workspace) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(
        user=user, workspace=workspace
    )


def typed(x: Channel, text: str = "Fresh beans.", **fields: Any) -> PostInput:
    return PostInput(channel_ids=[x.pk], text=text, **fields)


def scheduled_post(workspace: Workspace, editor: Membership, x: Channel) -> Post:
    post = post_save(workspace=workspace, membership=editor, data=typed(x, scheduled_at=FUTURE))
    return post_schedule(post=post, membership=editor)


def test_save_and_schedule_a_new_post(workspace, bob, x):
    editor = membership_of(bob, workspace)
    edited = editing.post_save_and_schedule(
        workspace=workspace, membership=editor, data=typed(x, scheduled_at=FUTURE)
    )
    assert edited.done and edited.post.status == Post.Status.SCHEDULED
    assert PostTarget.objects.get(post=edited.post).status == PostTarget.Status.SCHEDULED


def test_a_refused_schedule_keeps_the_draft_with_what_was_typed(workspace, bob, x):
    editor = membership_of(bob, workspace)
    edited = editing.post_save_and_schedule(
        workspace=workspace, membership=editor, data=typed(x, text="x" * 300)
    )
    assert not edited.done and isinstance(edited.refused, ValidationError)
    post = Post.objects.get()
    assert post == edited.post and post.text == "x" * 300 and post.status == Post.Status.DRAFT
    assert PostTarget.objects.get(post=post).status == PostTarget.Status.DRAFT


def test_save_and_submit_sends_for_approval_or_says_why_not(workspace, x):
    carol = member(workspace, Role.CONTRIBUTOR, email="carol@example.com")
    contributor = membership_of(carol, workspace)
    refused = editing.post_save_and_submit(
        workspace=workspace, membership=contributor, data=typed(x, text="x" * 300)
    )
    assert isinstance(refused.refused, ValidationError)
    assert refused.post.status == Post.Status.DRAFT and not PostReview.objects.exists()

    edited = editing.post_save_and_submit(
        workspace=workspace,
        membership=contributor,
        data=typed(x, text="Short now."),
        post=refused.post,
        expected_version=refused.post.version,
        comment="Please look",
    )
    assert edited.done and edited.post.status == Post.Status.IN_REVIEW
    assert PostReview.objects.get().comment == "Please look"

    # Approval needed first: scheduling is refused with the role's reason; the draft stays.
    queued = editing.post_save_and_schedule(
        workspace=workspace, membership=contributor, data=typed(x, scheduled_at=FUTURE)
    )
    assert isinstance(queued.refused, PermissionDenied)
    assert queued.post.status == Post.Status.DRAFT


def test_edit_of_a_scheduled_post_is_all_or_nothing(workspace, bob, x):
    editor = membership_of(bob, workspace)
    post = scheduled_post(workspace, editor, x)
    later = FUTURE + dt.timedelta(days=1)

    with pytest.raises(ValidationError):
        editing.post_edit_scheduled(
            workspace=workspace,
            membership=editor,
            post=post,
            data=typed(x, text="x" * 300, scheduled_at=later),
        )
    post.refresh_from_db()
    assert (post.text, post.version, post.scheduled_at) == ("Fresh beans.", 1, FUTURE)

    with pytest.raises(ValidationError) as cleared:
        editing.post_edit_scheduled(
            workspace=workspace, membership=editor, post=post, data=typed(x, scheduled_at=None)
        )
    assert "scheduled_at" in cleared.value.message_dict

    with pytest.raises(VersionConflict):
        editing.post_edit_scheduled(
            workspace=workspace,
            membership=editor,
            post=post,
            data=typed(x, scheduled_at=later),
            expected_version=7,
        )

    moved = editing.post_edit_scheduled(
        workspace=workspace,
        membership=editor,
        post=post,
        data=typed(x, text="Still fresh.", scheduled_at=later),
    )
    assert moved.status == Post.Status.SCHEDULED and moved.scheduled_at == later
    assert PostTarget.objects.get(post=post).scheduled_at == later
    assert Post.objects.get(pk=post.pk).text == "Still fresh."


def test_post_edit_saves_a_draft_whatever_its_problems(workspace, bob, x):
    editor = membership_of(bob, workspace)
    post = editing.post_edit(workspace=workspace, membership=editor, data=typed(x, text="x" * 300))
    assert post.status == Post.Status.DRAFT and post.text == "x" * 300
    with pytest.raises(ValidationError):
        editing.post_edit_scheduled(
            workspace=workspace, membership=editor, post=post, data=input_from_post(post)
        )


def test_a_refused_queue_of_a_scheduled_post_takes_the_edit_back(workspace, bob, x):
    editor = membership_of(bob, workspace)
    post = scheduled_post(workspace, editor, x)
    with pytest.raises(ValidationError):  # the channel has no posting slots
        editing.post_save_and_queue(
            workspace=workspace,
            membership=editor,
            post=post,
            data=typed(x, text="Edited", scheduled_at=FUTURE),
        )
    post.refresh_from_db()
    assert post.text == "Fresh beans." and post.status == Post.Status.SCHEDULED


def test_an_unknown_outcome_is_retried_only_once_confirmed(workspace, bob):
    _, failed, unknown, _ = problem_post(workspace, bob)
    editor = membership_of(bob, workspace)
    with pytest.raises(ValidationError) as refused:
        target_retry_confirmed(target=unknown, membership=editor, confirmed_not_published=False)
    assert "Check Mastodon first" in refused.value.message_dict["confirm_not_published"][0]
    unknown.refresh_from_db()
    assert unknown.status == PostTarget.Status.NEEDS_ATTENTION

    retried = target_retry_confirmed(
        target=unknown, membership=editor, confirmed_not_published=True
    )
    assert retried.status == PostTarget.Status.SCHEDULED
    # A failed target went nowhere: no confirmation needed.
    again = target_retry_confirmed(target=failed, membership=editor, confirmed_not_published=False)
    assert again.status == PostTarget.Status.SCHEDULED


def test_a_refused_campaign_change_archives_nothing(workspace, bob):
    campaign = campaign_create(workspace=workspace, by=bob, name="Launch", objective="traffic")
    with pytest.raises(ValidationError):
        campaign_change(
            campaign=campaign,
            by=bob,
            archived=True,
            starts_on=dt.date(2025, 5, 2),
            ends_on=dt.date(2025, 5, 1),
        )
    campaign.refresh_from_db()
    assert campaign.archived_at is None and campaign.starts_on is None

    changed = campaign_change(campaign=campaign, by=bob, archived=True, description="Go")
    assert changed.archived_at is not None and changed.description == "Go"
    back = campaign_change(campaign=changed, by=bob, archived=False)
    assert back.archived_at is None


def test_a_contributors_edit_of_a_scheduled_post_sends_it_back_for_review(workspace, bob, x):
    carol = member(workspace, Role.CONTRIBUTOR, email="carol@example.com")
    contributor, editor = membership_of(carol, workspace), membership_of(bob, workspace)
    post = post_save(
        workspace=workspace, membership=contributor, data=typed(x, scheduled_at=FUTURE)
    )
    approval.post_submit(post=post, membership=contributor)
    post = approval.post_approve(post=post, membership=editor)
    assert Post.objects.get(pk=post.pk).status == Post.Status.SCHEDULED

    edited = editing.post_edit_scheduled(
        workspace=workspace,
        membership=contributor,
        post=Post.objects.get(pk=post.pk),
        data=typed(x, text="Sneaky change", scheduled_at=FUTURE),
    )
    assert edited.status == Post.Status.IN_REVIEW and edited.text == "Sneaky change"
    assert PostTarget.objects.get(post=post).status == PostTarget.Status.DRAFT
