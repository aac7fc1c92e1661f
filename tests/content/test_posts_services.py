"""The core post services: post_save (variants inherit or override, channels added and removed,
tenancy, roles, versions, reopening after approval), check_post (every code the composer shows,
guideline warnings with their reason), post_delete, post_comment_add, input_from_post."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from channels_app.models import Channel
from content.models import (
    Campaign,
    CampaignObjective,
    Fit,
    Post,
    PostComment,
    PostReview,
    PostTarget,
)
from content.services import approval, planning
from content.services.checks import MediaChoice, PostInput, VariantInput
from content.services.posts import (
    VersionConflict,
    check,
    check_saved,
    input_from_post,
    post_comment_add,
    post_delete,
    post_save,
)
from smm.models import Role
from tests.content.test_composer_factories import image_asset, membership_of, person
from tests.factories import ChannelFactory


@pytest.fixture
def editor(workspace, bob):
    return membership_of(bob, workspace)


@pytest.fixture
def owner(workspace, alice):
    return membership_of(alice, workspace)


@pytest.fixture
def x(workspace):
    return ChannelFactory(workspace=workspace, platform="x", handle="@tulip")


@pytest.fixture
def mastodon(workspace):
    return ChannelFactory(workspace=workspace, platform="mastodon", handle="@tulip@social.example")


@pytest.fixture
def linkedin(workspace):
    return ChannelFactory(workspace=workspace, platform="linkedin", handle="tulip")


def _save(membership, data, post=None, **kwargs):
    return post_save(
        workspace=membership.workspace, membership=membership, data=data, post=post, **kwargs
    )


def _codes(issues):
    return {issue.code for issue in issues}


def _future(days=2):
    return timezone.now() + dt.timedelta(days=days)


# post_save: variants -----------------------------------------------------------------------------


def test_variants_inherit_unless_overridden(editor, x, mastodon, linkedin):
    post = _save(
        editor,
        PostInput(
            text="Master text",
            link="https://tulip.example/beans",
            first_comment="More in the comments",
            channel_ids=[x.pk, mastodon.pk, linkedin.pk],
            variants={
                x.pk: VariantInput(text="Short for X"),
                mastodon.pk: VariantInput(first_comment=""),  # deliberately none here
            },
        ),
    )
    targets = {t.channel_id: t for t in post.targets.all()}
    assert set(targets) == {x.pk, mastodon.pk, linkedin.pk}
    assert targets[x.pk].text == "Short for X" and targets[x.pk].effective_text == "Short for X"
    assert targets[x.pk].link is None
    assert targets[x.pk].effective_link == "https://tulip.example/beans"
    assert targets[mastodon.pk].first_comment == ""
    assert targets[mastodon.pk].effective_first_comment == ""
    assert targets[linkedin.pk].effective_first_comment == "More in the comments"
    assert all(t.status == PostTarget.Status.DRAFT for t in targets.values())
    assert post.author == editor.user and post.status == Post.Status.DRAFT and post.version == 1


def test_master_change_flows_into_inheriting_variants_only(editor, x, linkedin):
    data = PostInput(
        text="v1", channel_ids=[x.pk, linkedin.pk], variants={x.pk: VariantInput(text="X own")}
    )
    post = _save(editor, data)
    data.text = "v2"
    post = _save(editor, data, post=post, expected_version=1)
    targets = {t.channel_id: t for t in post.targets.select_related("post")}
    assert targets[linkedin.pk].effective_text == "v2"
    assert targets[x.pk].effective_text == "X own"
    assert post.version == 2


def test_own_media_per_channel(editor, workspace, x, linkedin):
    a, b = image_asset(workspace, name="a.jpg"), image_asset(workspace, name="b.jpg")
    post = _save(
        editor,
        PostInput(
            text="Photos",
            channel_ids=[x.pk, linkedin.pk],
            media=[MediaChoice(a.pk, Fit.CROP), MediaChoice(b.pk, Fit.PAD)],
            variants={x.pk: VariantInput(media=[MediaChoice(b.pk, Fit.CROP)])},
        ),
    )
    assert [(m.asset_id, m.fit) for m in post.media_items.all()] == [(a.pk, "crop"), (b.pk, "pad")]
    x_target = post.targets.get(channel=x)
    assert x_target.custom_media
    assert [(m.asset_id, m.fit) for m in x_target.media_items.all()] == [(b.pk, "crop")]
    assert not post.targets.get(channel=linkedin).custom_media
    again = input_from_post(post)
    assert again.variant(x.pk).media == [MediaChoice(b.pk, "crop")]
    assert again.variant(linkedin.pk).media is None


def test_input_from_post_round_trips(editor, workspace, x, mastodon):
    campaign = Campaign.objects.create(
        workspace=workspace, name="Spring", slug="spring", objective=CampaignObjective.AWARENESS
    )
    data = PostInput(
        text="Hello",
        title="Title",
        link="https://tulip.example",
        first_comment="First!",
        channel_ids=[x.pk, mastodon.pk],
        variants={mastodon.pk: VariantInput(text="Hello fediverse")},
        campaign_id=campaign.pk,
        shorten_links=True,
        scheduled_at=_future(),
        repeat_every=2,
        repeat_unit="week",
        repeat_until=(_future() + dt.timedelta(days=60)).date(),
    )
    post = _save(editor, data)
    back = input_from_post(post)
    assert back.text == "Hello" and back.title == "Title" and back.campaign_id == campaign.pk
    assert back.shorten_links and back.repeat_every == 2 and back.repeat_unit == "week"
    assert sorted(back.channel_ids) == sorted([x.pk, mastodon.pk])
    assert back.variant(mastodon.pk).text == "Hello fediverse"
    assert back.variant(x.pk).text is None


# post_save: channels ----------------------------------------------------------------------------


def test_removing_a_channel_deletes_its_target(editor, x, mastodon):
    post = _save(editor, PostInput(text="Hi", channel_ids=[x.pk, mastodon.pk]))
    post = _save(editor, PostInput(text="Hi", channel_ids=[x.pk]), post=post)
    assert list(post.targets.values_list("channel_id", flat=True)) == [x.pk]


def test_a_published_channel_cannot_be_removed_and_keeps_its_text(editor, x, mastodon):
    post = _save(editor, PostInput(text="Hi", channel_ids=[x.pk, mastodon.pk]))
    PostTarget.objects.filter(post=post, channel=x).update(status=PostTarget.Status.PUBLISHED)
    with pytest.raises(ValidationError, match="cannot be removed"):
        _save(editor, PostInput(text="Hi", channel_ids=[mastodon.pk]), post=post)
    post = _save(editor, PostInput(text="Changed", channel_ids=[x.pk, mastodon.pk]), post=post)
    x_target = post.targets.get(channel=x)
    assert x_target.text is None  # untouched: what went out stays as it went
    assert post.targets.get(channel=mastodon).effective_text == "Changed"


def test_a_disconnected_channel_cannot_be_added_but_stays_where_it_is(editor, x, mastodon):
    post = _save(editor, PostInput(text="Hi", channel_ids=[x.pk, mastodon.pk]))
    Channel.objects.filter(pk=mastodon.pk).update(status=Channel.Status.DISCONNECTED)
    post = _save(editor, PostInput(text="Hi again", channel_ids=[x.pk, mastodon.pk]), post=post)
    assert post.targets.count() == 2
    with pytest.raises(ValidationError, match="disconnected"):
        _save(editor, PostInput(text="New", channel_ids=[mastodon.pk]))


def test_foreign_ids_are_refused(editor, other_workspace, x):
    foreign_channel = ChannelFactory(workspace=other_workspace)
    foreign_asset = image_asset(other_workspace)
    foreign_campaign = Campaign.objects.create(
        workspace=other_workspace,
        name="Theirs",
        slug="theirs",
        objective=CampaignObjective.AWARENESS,
    )
    for data, key in (
        (PostInput(channel_ids=[foreign_channel.pk]), "channels"),
        (PostInput(channel_ids=[x.pk], media=[MediaChoice(foreign_asset.pk)]), "media"),
        (PostInput(channel_ids=[x.pk], campaign_id=foreign_campaign.pk), "campaign"),
        (
            PostInput(channel_ids=[x.pk], variants={foreign_channel.pk: VariantInput("t")}),
            "variants",
        ),
    ):
        with pytest.raises(ValidationError) as err:
            _save(editor, data)
        assert key in err.value.message_dict
    assert not Post.objects.exists()


def test_recurrence_needs_an_end_after_the_start(editor, x):
    start = _future(5)
    with pytest.raises(ValidationError) as err:
        _save(
            editor,
            PostInput(
                text="Weekly",
                channel_ids=[x.pk],
                scheduled_at=start,
                repeat_every=1,
                repeat_unit="week",
                repeat_until=(start - dt.timedelta(days=2)).date(),
            ),
        )
    assert "repeat_until" in err.value.message_dict


# post_save: roles, versions, states -------------------------------------------------------------


def test_viewer_cannot_write(workspace, x):
    _user, viewer = person(workspace, Role.VIEWER)
    with pytest.raises(PermissionDenied):
        _save(viewer, PostInput(text="Hi", channel_ids=[x.pk]))


def test_contributor_edits_only_own_posts(workspace, editor, x):
    post = _save(editor, PostInput(text="Bob's", channel_ids=[x.pk]))
    _user, contributor = person(workspace, Role.CONTRIBUTOR)
    with pytest.raises(PermissionDenied):
        _save(contributor, PostInput(text="Mine now", channel_ids=[x.pk]), post=post)
    own = _save(contributor, PostInput(text="Mine", channel_ids=[x.pk]))
    _save(contributor, PostInput(text="Mine, edited", channel_ids=[x.pk]), post=own)
    # Editors change anyone's post.
    _save(editor, PostInput(text="Edited by Bob", channel_ids=[x.pk]), post=own)


def test_stale_version_raises_conflict_and_changes_nothing(editor, x):
    post = _save(editor, PostInput(text="one", channel_ids=[x.pk]))
    _save(editor, PostInput(text="two", channel_ids=[x.pk]), post=post, expected_version=1)
    with pytest.raises(VersionConflict) as err:
        _save(editor, PostInput(text="stale", channel_ids=[x.pk]), post=post, expected_version=1)
    assert err.value.post.version == 2
    post.refresh_from_db()
    assert post.text == "two" and post.version == 2


def test_published_post_cannot_be_changed(editor, x):
    post = _save(editor, PostInput(text="Out", channel_ids=[x.pk]))
    Post.objects.filter(pk=post.pk).update(status=Post.Status.PUBLISHED)
    with pytest.raises(ValidationError, match="published"):
        _save(editor, PostInput(text="Edit", channel_ids=[x.pk]), post=post)


def test_saving_a_scheduled_post_keeps_its_time(editor, x):
    at = _future(3)
    post = _save(editor, PostInput(text="Hi", channel_ids=[x.pk], scheduled_at=at))
    planning.post_schedule(post=post, membership=editor)
    post = _save(
        editor, PostInput(text="Hi!", channel_ids=[x.pk], scheduled_at=_future(9)), post=post
    )
    post.refresh_from_db()
    assert post.scheduled_at == at and post.status == Post.Status.SCHEDULED


def _approved_post_of(contributor, editor, x, *, schedule=False):
    """A contributor's approved post; with `schedule`, one with a time, which approval
    schedules."""
    post = _save(
        contributor,
        PostInput(
            text="Please approve", channel_ids=[x.pk], scheduled_at=_future(4) if schedule else None
        ),
    )
    approval.post_submit(post=post, membership=contributor)
    approval.post_approve(post=post, membership=editor)
    return Post.objects.get(pk=post.pk)


@pytest.mark.parametrize("schedule", [False, True])
def test_contributor_edit_after_approval_reopens_review(workspace, editor, x, schedule):
    _user, contributor = person(workspace, Role.CONTRIBUTOR)
    post = _approved_post_of(contributor, editor, x, schedule=schedule)
    assert post.status == (Post.Status.SCHEDULED if schedule else Post.Status.APPROVED)
    post = _save(
        contributor,
        PostInput(text="Sneaky change", channel_ids=[x.pk], scheduled_at=post.scheduled_at),
        post=post,
    )
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW and post.approved_at is None
    assert post.reviews.last().action == PostReview.Action.REOPENED
    assert post.targets.get().status == PostTarget.Status.DRAFT  # nothing goes out unapproved
    assert not planning.may_schedule(contributor, post)


def test_planning_only_change_or_editor_edit_does_not_reopen(workspace, editor, x):
    _user, contributor = person(workspace, Role.CONTRIBUTOR)
    post = _approved_post_of(contributor, editor, x)
    same = input_from_post(post)
    same.campaign_id = None
    same.scheduled_at = _future(6)
    post = _save(contributor, same, post=post)
    assert Post.objects.get(pk=post.pk).status == Post.Status.APPROVED
    data = input_from_post(post)
    data.text = "Editor polish"
    _save(editor, data, post=post)
    assert Post.objects.get(pk=post.pk).status == Post.Status.APPROVED


# check_post ---------------------------------------------------------------------------------------


def test_check_counts_each_platform_its_own_way(workspace, x, mastodon):
    url = "https://tulipcoffee.com/" + "a" * 100
    result = check(
        workspace=workspace, data=PostInput(text=f"Beans {url}", channel_ids=[x.pk, mastodon.pk])
    )
    by_platform = {t.channel.platform: t for t in result.targets}
    assert by_platform["x"].count == 6 + 23 and by_platform["x"].limit == 280
    assert by_platform["mastodon"].count == 6 + 23 and by_platform["mastodon"].limit == 500
    assert result.ok


def test_check_codes(workspace, x, mastodon):
    result = check(workspace=workspace, data=PostInput())
    assert _codes(result.errors) == {"no_channels"}
    result = check(workspace=workspace, data=PostInput(channel_ids=[x.pk]))
    assert "empty_post" in _codes(result.targets[0].errors)
    result = check(workspace=workspace, data=PostInput(text="é" * 281, channel_ids=[x.pk]))
    assert "text_too_long" in _codes(result.targets[0].errors)
    assert not result.ok and result.error_count == 1
    past = PostInput(text="Hi", channel_ids=[x.pk], scheduled_at=timezone.now() - dt.timedelta(1))
    assert "schedule_in_past" in _codes(
        check(workspace=workspace, data=past, for_scheduling=True).errors
    )
    assert check(workspace=workspace, data=past).ok  # a draft may have a past time
    unplanned = check(
        workspace=workspace, data=PostInput(text="Hi", channel_ids=[x.pk]), for_scheduling=True
    )
    assert "schedule_in_past" in _codes(unplanned.errors)


def test_first_comment_unsupported(workspace):
    pinterest = ChannelFactory(workspace=workspace, platform="pinterest")
    result = check(
        workspace=workspace,
        data=PostInput(text="Pin", first_comment="Hi", channel_ids=[pinterest.pk]),
    )
    assert "first_comment_unsupported" in _codes(result.targets[0].errors)


def test_variant_is_checked_not_the_master(workspace, x, mastodon):
    data = PostInput(
        text="m" * 400, channel_ids=[x.pk, mastodon.pk], variants={x.pk: VariantInput(text="short")}
    )
    result = check(workspace=workspace, data=data)
    assert result.ok
    assert {t.channel.platform: t.text for t in result.targets}["x"] == "short"


def test_too_many_media_for_x(workspace, x):
    assets = [image_asset(workspace, width=400, height=300, name=f"{n}.jpg") for n in range(5)]
    data = PostInput(text="Five", channel_ids=[x.pk], media=[MediaChoice(a.pk) for a in assets])
    codes = _codes(check(workspace=workspace, data=data).targets[0].errors)
    assert codes & {"too_many_media", "too_many_images"}


def test_guideline_warnings_say_why_and_do_not_block(workspace, linkedin):
    g = linkedin.guidelines
    g.banned_hashtags = ["cheap"]
    g.banned_words = ["free coffee"]
    g.default_hashtags = ["TulipCoffee"]
    g.tone_of_voice = "Warm, never pushy."
    g.save()
    linkedin.refresh_from_db()
    data = PostInput(text="Free coffee today! #Cheap", channel_ids=[linkedin.pk])
    target = check(workspace=workspace, data=data).targets[0]
    assert target.ok  # warnings don't block
    warnings = {w.code: str(w.message) for w in target.warnings}
    assert "#cheap" in warnings["guideline_banned_hashtag"]
    assert "free coffee" in warnings["guideline_banned_word"]
    assert "#TulipCoffee" in warnings["guideline_default_hashtags"]
    notes = {n.code: n.message for n in target.notes}
    assert notes["tone_of_voice"] == "Warm, never pushy."
    assert "hashtag_habit" in notes
    # Whole words only; the default tag present -> no warning for it.
    data = PostInput(text="Our free coffeemaker #TulipCoffee", channel_ids=[linkedin.pk])
    assert _codes(check(workspace=workspace, data=data).targets[0].warnings) == set()


def test_channel_state_codes(workspace, editor, x, mastodon):
    post = _save(editor, PostInput(text="Hi", channel_ids=[x.pk, mastodon.pk]))
    Channel.objects.filter(pk=x.pk).update(status=Channel.Status.NEEDS_RECONNECT)
    Channel.objects.filter(pk=mastodon.pk).update(status=Channel.Status.DISCONNECTED)
    result = check_saved(Post.objects.get(pk=post.pk))
    by_platform = {t.channel.platform: t for t in result.targets}
    assert "channel_needs_reconnect" in _codes(by_platform["x"].warnings)
    assert "channel_disconnected" in _codes(by_platform["mastodon"].errors)
    # The composer's live check of that post accepts its disconnected channel, too.
    live = check(workspace=workspace, data=input_from_post(post), post=post)
    assert "channel_disconnected" in _codes(
        {t.channel.platform: t for t in live.targets}["mastodon"].errors
    )


def test_scheduling_refuses_a_post_with_errors(editor, x):
    post = _save(editor, PostInput(text="x" * 300, channel_ids=[x.pk], scheduled_at=_future()))
    with pytest.raises(ValidationError, match="280"):
        planning.post_schedule(post=post, membership=editor)
    assert Post.objects.get(pk=post.pk).status == Post.Status.DRAFT


# Delete and comments -----------------------------------------------------------------------------


def test_delete_rules(workspace, editor, x):
    _user, contributor = person(workspace, Role.CONTRIBUTOR)
    theirs = _save(editor, PostInput(text="Bob's", channel_ids=[x.pk]))
    with pytest.raises(PermissionDenied):
        post_delete(post=theirs, membership=contributor)
    own = _save(contributor, PostInput(text="Mine", channel_ids=[x.pk]))
    post_delete(post=own, membership=contributor)
    assert not Post.objects.filter(pk=own.pk).exists()
    for status in (
        PostTarget.Status.QUEUED,
        PostTarget.Status.PUBLISHING,
        PostTarget.Status.PUBLISHED,
    ):
        PostTarget.objects.filter(post=theirs).update(status=status)
        with pytest.raises(ValidationError):
            post_delete(post=theirs, membership=editor)
    PostTarget.objects.filter(post=theirs).update(status=PostTarget.Status.FAILED)
    post_delete(post=theirs, membership=editor)
    assert not Post.objects.filter(pk=theirs.pk).exists()


def test_comments(workspace, editor, owner, x):
    post = _save(editor, PostInput(text="Hi", channel_ids=[x.pk]))
    with pytest.raises(ValidationError):
        post_comment_add(post=post, body="   ", by=owner.user)
    comment = post_comment_add(post=post, body=" Nice! ", by=owner.user)
    assert comment.body == "Nice!" and comment.author_label == owner.user.display_name
    assert PostComment.objects.filter(post=post).count() == 1


# PostgreSQL: row locks and F() version bumps ---------------------------------------------


@pytest.mark.postgres
def test_save_update_and_conflict_on_postgres(editor, x, mastodon):
    post = _save(
        editor,
        PostInput(
            text="one", channel_ids=[x.pk, mastodon.pk], variants={x.pk: VariantInput(text="X")}
        ),
    )
    post = _save(editor, PostInput(text="two", channel_ids=[x.pk]), post=post, expected_version=1)
    assert post.version == 2 and post.targets.count() == 1
    with pytest.raises(VersionConflict):
        _save(editor, PostInput(text="stale", channel_ids=[x.pk]), post=post, expected_version=1)


@pytest.mark.postgres
def test_reopen_and_delete_on_postgres(workspace, editor, x):
    _user, contributor = person(workspace, Role.CONTRIBUTOR)
    post = _approved_post_of(contributor, editor, x, schedule=True)
    post = _save(
        contributor,
        PostInput(text="Changed", channel_ids=[x.pk], scheduled_at=post.scheduled_at),
        post=post,
    )
    assert Post.objects.get(pk=post.pk).status == Post.Status.IN_REVIEW
    post_delete(post=post, membership=contributor)
    assert not Post.objects.filter(pk=post.pk).exists()


@pytest.mark.postgres
def test_check_saved_on_postgres(workspace, editor, linkedin):
    linkedin.guidelines.banned_words = ["cheap"]
    linkedin.guidelines.save()
    post = _save(editor, PostInput(text="Cheap!", channel_ids=[linkedin.pk]))
    result = check_saved(post)
    assert result.ok and result.warning_count == 1


def test_a_video_codec_a_platform_does_not_take_is_an_error_for_that_channel(
    editor, workspace, x, mastodon
):
    from content.models import MediaAsset

    video = MediaAsset.objects.create(
        workspace=workspace,
        file="ws/originals/clip.mp4",
        kind="video",
        content_type="video/mp4",
        size=2_000_000,
        sha256="0" * 64,
        width=1280,
        height=720,
        duration_seconds=12.0,
        fps=30.0,
        video_codec="hevc",
    )
    result = check(
        workspace=workspace,
        data=PostInput(
            text="Watch this", channel_ids=[x.pk, mastodon.pk], media=[MediaChoice(video.pk)]
        ),
    )
    by_platform = {t.channel.platform: _codes(t.errors) for t in result.targets}
    assert "video_codec" in by_platform["x"]  # X takes H.264 only
    assert "video_codec" not in by_platform["mastodon"]
