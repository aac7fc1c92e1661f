"""The posts API: drafts with per-channel variants (effective values and overrides in the
answer), the check with stable codes, partial updates with version conflicts (409), scheduling,
the queue, approval, comments, roles, tokens, 404 across workspaces, and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone

from channels_app.models import Channel, PostingSlot
from content.api import posts as posts_api
from content.models import Campaign, MediaAsset, Post, PostComment, PostTarget
from content.services.checks import PostInput, VariantInput
from content.services.posts import post_save
from smm.models import ActivityEvent, Membership, Role, User, Workspace
from smm.services import api_token_create
from tests.content.media_files import jpeg_bytes
from tests.factories import ChannelFactory, member

FUTURE = timezone.now() + dt.timedelta(days=3)


def bearer(user: User, *, read_only: bool = False) -> Client:
    """A client that authenticates with a fresh personal API token of `user`."""
    raw = api_token_create(user=user, name="tests", read_only=read_only).raw
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def url(name: str, workspace: Workspace, *args: Any) -> str:
    return reverse(f"api:{name}", args=[workspace.slug, *args])


def send(client: Client, method: str, where: str, data: Any = None, **headers: Any) -> Any:
    return getattr(client, method)(where, data, content_type="application/json", **headers)


@pytest.fixture
def x_channel(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="x", handle="@tulipcoffee")


@pytest.fixture
def li_channel(workspace: Workspace) -> Channel:
    return ChannelFactory(workspace=workspace, platform="linkedin", handle="tulip-coffee")


@pytest.fixture
def api(alice: User) -> Client:
    return bearer(alice)


@pytest.fixture
def carol(workspace: Workspace) -> User:
    """A contributor: her posts need approval."""
    return member(workspace, Role.CONTRIBUTOR, email="carol@example.com", name="Carol Writer")


def membership(user: User, workspace: Workspace) -> Membership:
    return Membership.objects.select_related("workspace", "user").get(
        user=user, workspace=workspace
    )


def make_post(user: User, workspace: Workspace, *channels: Channel, **fields: Any) -> Post:
    data = PostInput(channel_ids=[c.pk for c in channels], **{"text": "Fresh beans.", **fields})
    return post_save(workspace=workspace, membership=membership(user, workspace), data=data)


def image(workspace: Workspace, width: int = 1200, height: int = 800) -> MediaAsset:
    data = jpeg_bytes(width, height)
    asset = MediaAsset(
        workspace=workspace,
        original_name="beans.jpg",
        kind="image",
        content_type="image/jpeg",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
    )
    asset.file.save("beans.jpg", ContentFile(data), save=False)
    asset.save()
    return asset


def target_of(body: dict[str, Any], channel: Channel) -> dict[str, Any]:
    [target] = [t for t in body["targets"] if t["channel"]["id"] == channel.pk]
    return target


def check_of(body: dict[str, Any], channel: Channel) -> dict[str, Any]:
    [target] = [t for t in body["targets"] if t["channel"] == channel.pk]
    return target


# Create, read, variants ------------------------------------------------------------------------


def test_create_with_variants_answers_effective_values_overrides_and_check(
    api, workspace, x_channel, li_channel
):
    asset = image(workspace)
    response = send(
        api,
        "post",
        url("post_list", workspace),
        {
            "text": "Our spring blend is back in every shop.",
            "link": "https://tulip.example/spring",
            "channels": [x_channel.pk, li_channel.pk],
            "variants": {str(x_channel.pk): {"text": "Spring blend is back ☕", "media": []}},
            "media": [{"id": asset.pk, "fit": "pad"}],
            "scheduled_at": FUTURE.isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["source"] == "api" and body["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert body["media"][0] == {
        "id": asset.pk,
        "fit": "pad",
        "kind": "image",
        "content_type": "image/jpeg",
        "width": 1200,
        "height": 800,
        "alt_text": "",
    }
    x, li = target_of(body, x_channel), target_of(body, li_channel)
    assert x["channel"]["platform"] == "x" and x["status"] == "draft"
    assert x["effective"]["text"] == "Spring blend is back ☕"
    assert x["overrides"]["text"] == "Spring blend is back ☕"
    assert x["effective"]["media"] == [] and x["overrides"]["media"] == []
    assert x["effective"]["link"] == "https://tulip.example/spring"
    assert x["overrides"]["link"] is None
    # LinkedIn inherits everything from the post.
    assert li["effective"]["text"] == "Our spring blend is back in every shop."
    assert li["overrides"] == {
        "text": None,
        "title": None,
        "link": None,
        "first_comment": None,
        "media": None,
    }
    assert [m["id"] for m in li["effective"]["media"]] == [asset.pk]
    assert body["check"]["ok"] is True
    assert check_of(body["check"], x_channel)["text"] == "Spring blend is back ☕"
    post = Post.objects.get(pk=body["id"])
    assert post.author.email == "alice@example.com" and post.scheduled_at == FUTURE
    assert ActivityEvent.objects.filter(verb="post.created", target_id=str(post.pk)).exists()


def test_an_over_long_draft_is_kept_and_its_check_says_why(api, workspace, x_channel):
    response = send(
        api,
        "post",
        url("post_list", workspace),
        {"text": "a" * 281, "channels": [x_channel.pk]},
    )
    assert response.status_code == 201
    check = response.json()["check"]
    assert check["ok"] is False and check["error_count"] == 1
    x = check_of(check, x_channel)
    assert (x["count"], x["limit"]) == (281, 280)
    [issue] = x["errors"]
    assert issue["code"] == "text_too_long" and issue["severity"] == "error"
    assert issue["field"] == "text" and issue["message"]
    detail = api.get(url("post_detail", workspace, response.json()["id"])).json()
    assert detail["check"] == check


def test_check_validates_without_saving(api, workspace, x_channel):
    response = send(
        api,
        "post",
        url("post_check", workspace),
        {"text": "a" * 300, "channels": [x_channel.pk]},
    )
    assert response.status_code == 200
    assert [i["code"] for i in check_of(response.json(), x_channel)["errors"]] == ["text_too_long"]
    assert not Post.objects.exists()

    nothing = send(api, "post", url("post_check", workspace), {"text": "Hi"}).json()
    assert [i["code"] for i in nothing["errors"]] == ["no_channels"]

    past = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    late = send(
        api,
        "post",
        url("post_check", workspace),
        {"text": "Hi", "channels": [x_channel.pk], "scheduled_at": past, "for_scheduling": True},
    ).json()
    assert [i["code"] for i in late["errors"]] == ["schedule_in_past"]


def test_check_merges_the_changes_into_a_saved_post(api, alice, workspace, x_channel):
    post = make_post(alice, workspace, x_channel, text="Short and sweet.")
    response = send(
        api,
        "post",
        url("post_check", workspace),
        {"post": post.pk, "variants": {str(x_channel.pk): {"text": "b" * 290}}},
    )
    x = check_of(response.json(), x_channel)
    assert x["count"] == 290 and x["errors"][0]["code"] == "text_too_long"
    post.refresh_from_db()
    assert post.version == 1


def test_ids_of_another_workspace_are_a_400_with_field_errors(
    api, workspace, x_channel, other_workspace
):
    theirs = ChannelFactory(workspace=other_workspace)
    response = send(
        api,
        "post",
        url("post_list", workspace),
        {"text": "Hi", "channels": [x_channel.pk, theirs.pk], "media": [{"id": 999_999}]},
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"channels", "media"} and body["detail"]
    assert body["code"] == "invalid"
    assert not Post.objects.exists()


def test_campaign_and_repeat_are_saved_and_checked(api, workspace, x_channel, other_workspace):
    campaign = Campaign.objects.create(
        workspace=workspace, name="Spring", slug="spring", objective="awareness"
    )
    theirs = Campaign.objects.create(
        workspace=other_workspace, name="Spring", slug="spring", objective="awareness"
    )
    until = (FUTURE + dt.timedelta(weeks=4)).date()
    data = {
        "text": "Weekly tasting",
        "channels": [x_channel.pk],
        "campaign": campaign.pk,
        "scheduled_at": FUTURE.isoformat(),
        "repeat": {"every": 1, "unit": "week", "until": until.isoformat()},
    }
    body = send(api, "post", url("post_list", workspace), data).json()
    assert body["campaign"] == campaign.pk
    assert body["repeat"] == {"every": 1, "unit": "week", "until": until.isoformat()}
    cleared = send(api, "patch", url("post_detail", workspace, body["id"]), {"repeat": None})
    assert cleared.json()["repeat"] is None

    too_early = {**data, "repeat": {**data["repeat"], "until": "2001-01-01"}, "campaign": None}
    response = send(api, "post", url("post_list", workspace), too_early)
    assert response.status_code == 400 and "repeat_until" in response.json()["errors"]
    response = send(api, "post", url("post_list", workspace), {**data, "campaign": theirs.pk})
    assert response.status_code == 400 and "campaign" in response.json()["errors"]


def test_malformed_input_has_the_same_error_shape(api, workspace, x_channel):
    response = send(
        api,
        "post",
        url("post_list", workspace),
        {"text": "Hi", "link": "not a link", "variants": {"x": {"text": "?"}}},
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"link", "variants"}
    assert "channel id" in body["errors"]["variants"][0]
    assert isinstance(body["detail"], str) and body["code"] == "invalid"


# Update, version conflicts, delete ------------------------------------------------------------


def test_patch_merges_into_the_saved_post(api, alice, workspace, x_channel, li_channel):
    post = make_post(
        alice,
        workspace,
        x_channel,
        li_channel,
        variants={x_channel.pk: VariantInput(text="X text")},
    )
    where = url("post_detail", workspace, post.pk)

    body = send(api, "patch", where, {"variants": {str(x_channel.pk): {"title": "T"}}}).json()
    x = target_of(body, x_channel)
    assert x["overrides"]["text"] == "X text" and x["overrides"]["title"] == "T"
    assert body["text"] == "Fresh beans." and body["version"] == 2

    body = send(api, "patch", where, {"text": "New master"}).json()
    assert target_of(body, li_channel)["effective"]["text"] == "New master"
    assert target_of(body, x_channel)["effective"]["text"] == "X text"

    body = send(api, "patch", where, {"variants": {str(x_channel.pk): None}}).json()
    assert target_of(body, x_channel)["effective"]["text"] == "New master"

    body = send(api, "patch", where, {"channels": [li_channel.pk]}).json()
    assert [t["channel"]["id"] for t in body["targets"]] == [li_channel.pk]
    assert body["version"] == 5


def test_patch_with_a_stale_version_is_a_409_with_the_current_one(api, alice, workspace, x_channel):
    post = make_post(alice, workspace, x_channel)
    where = url("post_detail", workspace, post.pk)
    first = send(api, "patch", where, {"text": "Mine"}, HTTP_IF_MATCH='"1"')
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'

    stale = send(api, "patch", where, {"text": "Theirs"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409 and stale.headers["ETag"] == '"2"'
    body = stale.json()
    assert body["code"] == "version_conflict" and body["current_version"] == 2
    assert "version 2" in body["detail"] and "errors" not in body
    assert body["post"]["text"] == "Mine" and "check" in body["post"]

    by_field = send(api, "patch", where, {"text": "Theirs", "version": 1})
    assert by_field.status_code == 409
    assert send(api, "patch", where, {"text": "x"}, HTTP_IF_MATCH="soon").status_code == 400
    post.refresh_from_db()
    assert post.text == "Mine"


def test_patch_moves_a_scheduled_post_but_not_into_the_past(api, alice, workspace, x_channel):
    post = make_post(alice, workspace, x_channel, scheduled_at=FUTURE)
    send(api, "post", url("post_schedule", workspace, post.pk))
    where = url("post_detail", workspace, post.pk)
    later = FUTURE + dt.timedelta(days=1)
    body = send(api, "patch", where, {"scheduled_at": later.isoformat()}).json()
    assert body["status"] == "scheduled"
    assert PostTarget.objects.get(post=post).scheduled_at == later

    past = timezone.now() - dt.timedelta(hours=1)
    response = send(api, "patch", where, {"text": "Edited", "scheduled_at": past.isoformat()})
    assert response.status_code == 400
    post.refresh_from_db()
    assert post.text == "Fresh beans." and post.scheduled_at == later  # nothing half-saved


def test_patch_of_a_scheduled_post_that_breaks_a_rule_is_refused_whole(
    api, alice, workspace, x_channel
):
    """As in the composer: the edit of a scheduled post is checked again; all or nothing."""
    post = make_post(alice, workspace, x_channel, scheduled_at=FUTURE)
    assert send(api, "post", url("post_schedule", workspace, post.pk)).status_code == 200
    where = url("post_detail", workspace, post.pk)
    later = FUTURE + dt.timedelta(days=1)

    response = send(api, "patch", where, {"text": "x" * 300, "scheduled_at": later.isoformat()})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] and "non_field_errors" in body["errors"]
    assert [i["code"] for i in check_of(body["check"], x_channel)["errors"]] == ["text_too_long"]
    post.refresh_from_db()
    assert (post.text, post.version, post.status) == ("Fresh beans.", 1, Post.Status.SCHEDULED)
    assert post.scheduled_at == FUTURE
    assert PostTarget.objects.get(post=post).scheduled_at == FUTURE

    cleared = send(api, "patch", where, {"scheduled_at": None})
    assert cleared.status_code == 400 and "scheduled_at" in cleared.json()["errors"]

    fine = send(api, "patch", where, {"text": "Still fresh."})
    assert fine.status_code == 200 and fine.json()["status"] == "scheduled"
    assert fine.json()["version"] == 2 and fine.json()["scheduled_at"]


def test_a_contributors_patch_of_a_scheduled_post_sends_it_back_for_review(
    workspace, carol, bob, x_channel
):
    post = make_post(carol, workspace, x_channel, scheduled_at=FUTURE)
    send(bearer(carol), "post", url("post_submit", workspace, post.pk))
    approved = send(bearer(bob), "post", url("post_approve", workspace, post.pk))
    assert approved.json()["status"] == "scheduled"

    where = url("post_detail", workspace, post.pk)
    response = send(bearer(carol), "patch", where, {"text": "Sneaky change"})
    assert response.status_code == 200
    assert response.json()["status"] == "in_review" and response.json()["text"] == "Sneaky change"


def test_delete_and_its_conflict(api, alice, workspace, x_channel):
    post = make_post(alice, workspace, x_channel)
    where = url("post_detail", workspace, post.pk)
    assert api.delete(where, HTTP_IF_MATCH='"7"').status_code == 409
    assert api.delete(where, HTTP_IF_MATCH='"1"').status_code == 204
    assert not Post.objects.filter(pk=post.pk).exists()


# Scheduling ------------------------------------------------------------------------------------


def test_schedule_refuses_a_past_time_and_says_why(api, alice, workspace, x_channel):
    post = make_post(alice, workspace, x_channel)
    past = timezone.now() - dt.timedelta(minutes=5)
    response = send(
        api, "post", url("post_schedule", workspace, post.pk), {"scheduled_at": past.isoformat()}
    )
    assert response.status_code == 400
    body = response.json()
    assert "future" in body["detail"]
    assert [i["code"] for i in body["check"]["errors"]] == ["schedule_in_past"]
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT and post.scheduled_at is None


def test_schedule_refuses_a_post_that_breaks_a_channels_rules(api, alice, workspace, x_channel):
    post = make_post(alice, workspace, x_channel, text="a" * 281)
    response = send(
        api, "post", url("post_schedule", workspace, post.pk), {"scheduled_at": FUTURE.isoformat()}
    )
    assert response.status_code == 400
    errors = check_of(response.json()["check"], x_channel)["errors"]
    assert [i["code"] for i in errors] == ["text_too_long"]


def test_schedule_and_unschedule(api, alice, workspace, x_channel):
    post = make_post(alice, workspace, x_channel)
    response = send(
        api, "post", url("post_schedule", workspace, post.pk), {"scheduled_at": FUTURE.isoformat()}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "scheduled" and target_of(body, x_channel)["status"] == "scheduled"

    body = api.post(url("post_unschedule", workspace, post.pk)).json()
    assert body["status"] == "draft" and target_of(body, x_channel)["status"] == "draft"
    assert api.post(url("post_unschedule", workspace, post.pk)).status_code == 400


def test_queue_takes_the_next_free_slot(api, alice, workspace, x_channel):
    post = make_post(alice, workspace, x_channel)
    assert api.post(url("post_queue", workspace, post.pk)).status_code == 400  # no slots yet
    tz = ZoneInfo(workspace.timezone)
    tomorrow = timezone.now().astimezone(tz).date() + dt.timedelta(days=1)
    PostingSlot.objects.create(
        workspace=workspace, channel=x_channel, weekday=tomorrow.weekday(), time=dt.time(9, 0)
    )
    response = api.post(url("post_queue", workspace, post.pk))
    assert response.status_code == 200, response.content
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    local = post.scheduled_at.astimezone(tz)
    assert (local.date(), local.time()) == (tomorrow, dt.time(9, 0))


# Approval --------------------------------------------------------------------------------------


def test_contributor_submits_and_an_approver_approves_into_the_schedule(
    workspace, carol, bob, x_channel
):
    writer = bearer(carol)
    created = send(
        writer,
        "post",
        url("post_list", workspace),
        {"text": "New pastries!", "channels": [x_channel.pk], "scheduled_at": FUTURE.isoformat()},
    ).json()
    post_id = created["id"]

    refused = writer.post(url("post_schedule", workspace, post_id))
    assert refused.status_code == 403 and "approval" in refused.json()["detail"]

    submitted = send(
        writer, "post", url("post_submit", workspace, post_id), {"comment": "Please check"}
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    assert submitted.json()["reviews"][0]["action"] == "submitted"

    own = send(writer, "post", url("post_approve", workspace, post_id), {"version": 1})
    assert own.status_code == 403 and own.json()["detail"]

    approver = bearer(bob)
    approved = send(
        approver, "post", url("post_approve", workspace, post_id), {"version": 1, "comment": "OK"}
    )
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["status"] == "scheduled" and body["approved_by"] == "Bob Editor"
    assert target_of(body, x_channel)["status"] == "scheduled"


def test_submit_refuses_a_post_that_breaks_the_rules(workspace, carol, x_channel):
    post = make_post(carol, workspace, x_channel, text="a" * 281)
    response = bearer(carol).post(url("post_submit", workspace, post.pk))
    assert response.status_code == 400
    assert response.json()["check"]["error_count"] == 1


def test_request_changes_needs_a_comment_and_the_current_version(workspace, carol, bob, x_channel):
    post = make_post(carol, workspace, x_channel)
    bearer(carol).post(url("post_submit", workspace, post.pk))
    approver = bearer(bob)
    where = url("post_request_changes", workspace, post.pk)
    missing = send(approver, "post", where, {"version": 1})
    assert missing.status_code == 400 and "comment" in missing.json()["errors"]
    stale = send(approver, "post", where, {"comment": "Shorter", "version": 0})
    assert stale.status_code == 409 and stale.json()["current_version"] == 1
    done = send(approver, "post", where, {"comment": "Shorter please", "version": 1})
    assert done.status_code == 200 and done.json()["status"] == "changes_requested"


# Comments --------------------------------------------------------------------------------------


def test_comments_are_added_and_listed(api, alice, workspace, x_channel):
    post = make_post(alice, workspace, x_channel)
    where = url("post_comments", workspace, post.pk)
    created = send(api, "post", where, {"body": "Can we add a photo?"})
    assert created.status_code == 201
    assert created.json()["author_name"] == "Alice Owner"
    assert send(api, "post", where, {"body": "   "}).status_code == 400
    listed = api.get(where).json()
    assert [c["body"] for c in listed] == ["Can we add a photo?"]
    assert listed[0]["from_review_link"] is False


# Listing ---------------------------------------------------------------------------------------


def test_list_filters_and_paginates(api, alice, bob, workspace, x_channel, li_channel):
    soon = make_post(alice, workspace, x_channel, text="soon coffee", scheduled_at=FUTURE)
    later = make_post(
        bob, workspace, li_channel, text="later tea", scheduled_at=FUTURE + dt.timedelta(days=7)
    )
    undated = make_post(alice, workspace, x_channel, li_channel, text="someday coffee")
    where = url("post_list", workspace)

    def ids(**params: Any) -> list[int]:
        response = api.get(where, params)
        assert response.status_code == 200, response.content
        return [p["id"] for p in response.json()["results"]]

    assert set(ids()) == {soon.pk, later.pk, undated.pk}
    assert set(ids(channel=x_channel.pk)) == {soon.pk, undated.pk}
    assert ids(author=bob.pk) == [later.pk]
    assert set(ids(q="coffee")) == {soon.pk, undated.pk}
    after = (FUTURE + dt.timedelta(days=1)).isoformat()
    assert ids(scheduled_after=after) == [later.pk]
    assert ids(scheduled_before=after) == [soon.pk]
    assert set(ids(status=["draft", "scheduled"])) == {soon.pk, later.pk, undated.pk}
    assert ids(status="approved") == []
    assert api.get(where, {"status": "nonsense"}).status_code == 400
    page = api.get(where, {"limit": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    [row] = api.get(where, {"q": "someday"}).json()["results"]
    assert {t["channel"]["handle"] for t in row["targets"]} == {"@tulipcoffee", "tulip-coffee"}


def test_list_queries_do_not_grow_with_the_rows(
    api, alice, workspace, x_channel, li_channel, django_assert_num_queries
):
    for i in range(10):
        make_post(alice, workspace, x_channel, li_channel, text=f"Post {i}")
    api.get(url("post_list", workspace))  # the first use of a token records when it was used
    # session (the current workspace is remembered), token (+user), membership (+workspace),
    # count, posts (+author, campaign), targets (+channels), media (+assets)
    with django_assert_num_queries(7):
        response = api.get(url("post_list", workspace))
    assert len(response.json()["results"]) == 10


# Roles, tokens, tenants ------------------------------------------------------------------------


def test_a_read_only_token_reads_but_cannot_write(alice, workspace, x_channel):
    post = make_post(alice, workspace, x_channel)
    reader = bearer(alice, read_only=True)
    assert reader.get(url("post_detail", workspace, post.pk)).status_code == 200
    assert reader.get(url("post_list", workspace)).status_code == 200
    for method, where in [
        ("post", url("post_list", workspace)),
        ("patch", url("post_detail", workspace, post.pk)),
        ("delete", url("post_detail", workspace, post.pk)),
        ("post", url("post_schedule", workspace, post.pk)),
        ("post", url("post_comments", workspace, post.pk)),
    ]:
        response = send(reader, method, where, {"text": "x", "body": "x"})
        assert response.status_code == 403, (method, where)
        assert "read-only" in response.json()["detail"]
    assert Post.objects.get(pk=post.pk).version == 1


def test_a_viewer_reads_and_comments_but_does_not_write(client, alice, workspace, x_channel):
    viewer = member(workspace, Role.VIEWER, email="vic@example.com")
    post = make_post(alice, workspace, x_channel)
    client.force_login(viewer)
    assert client.get(url("post_detail", workspace, post.pk)).status_code == 200
    response = send(client, "post", url("post_list", workspace), {"text": "Mine"})
    assert response.status_code == 403 and response.json()["detail"]
    comment = send(client, "post", url("post_comments", workspace, post.pk), {"body": "Nice"})
    assert comment.status_code == 201


def test_a_contributor_cannot_change_someone_elses_post(workspace, alice, carol, x_channel):
    post = make_post(alice, workspace, x_channel)
    response = send(
        bearer(carol), "patch", url("post_detail", workspace, post.pk), {"text": "Hijacked"}
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "You can only change your own posts.",
        "code": "permission_denied",
    }


ENDPOINTS = [
    ("post_detail", ["get", "patch", "delete"]),
    ("post_schedule", ["post"]),
    ("post_unschedule", ["post"]),
    ("post_queue", ["post"]),
    ("post_submit", ["post"]),
    ("post_approve", ["post"]),
    ("post_request_changes", ["post"]),
    ("post_comments", ["get", "post"]),
]


@pytest.mark.parametrize(
    "name,method", [(name, method) for name, methods in ENDPOINTS for method in methods]
)
def test_another_workspaces_post_is_404_on_every_endpoint(
    api, workspace, other_workspace, mallory, name, method
):
    """Alice, in her own workspace's URL, asks for a post of Mallory's workspace."""
    theirs = ChannelFactory(workspace=other_workspace)
    post = make_post(mallory, other_workspace, theirs)
    response = send(api, method, url(name, workspace, post.pk), {"comment": "x", "body": "x"})
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
    assert Post.objects.get(pk=post.pk).version == 1
    assert not PostComment.objects.exists()


def test_check_of_another_workspaces_post_is_404(api, workspace, other_workspace, mallory):
    post = make_post(mallory, other_workspace, ChannelFactory(workspace=other_workspace))
    response = send(api, "post", url("post_check", workspace), {"post": post.pk})
    assert response.status_code == 404


def test_outsiders_get_404_on_the_workspace_routes(workspace, mallory):
    outsider = bearer(mallory)
    assert outsider.get(url("post_list", workspace)).status_code == 404
    assert send(outsider, "post", url("post_check", workspace), {}).status_code == 404


# The OpenAPI schema ----------------------------------------------------------------------------


def test_the_posts_api_schema_generates_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include((posts_api.urlpatterns, "api")))])
    with GENERATOR_STATS.silence():
        schema = generator.get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache, dict(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, dict(GENERATOR_STATS._error_cache)
    validate_schema(schema)
    paths = schema["paths"]
    assert "/api/v1/workspaces/{slug}/posts/{post_id}/request-changes/" in paths
    operation = paths["/api/v1/workspaces/{slug}/posts/"]["post"]
    assert "409" not in operation["responses"] and "201" in operation["responses"]
    assert "409" in paths["/api/v1/workspaces/{slug}/posts/{post_id}/"]["patch"]["responses"]


def test_the_project_schema_lists_the_posts_api(client, alice):
    client.force_login(alice)
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert "/api/v1/workspaces/{slug}/posts/check/" in paths
