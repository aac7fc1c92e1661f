"""The composer and post pages: roles, tenancy, autosave (create, update, conflicts, logged
out), the live check, the composer's buttons, the read-only page, list, comments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from channels_app.models import Channel
from content.models import Post, PostComment, PostTarget
from smm.models import Role
from tests.content.test_composer_factories import composer_data, image_asset, person
from tests.factories import ChannelFactory


@pytest.fixture
def x(workspace):
    return ChannelFactory(workspace=workspace, platform="x", handle="@tulipcoffee")


@pytest.fixture
def mastodon(workspace):
    return ChannelFactory(workspace=workspace, platform="mastodon", handle="@tulip@social.example")


@pytest.fixture
def linkedin(workspace):
    return ChannelFactory(workspace=workspace, platform="linkedin", handle="Tulip Coffee")


def _url(name, workspace, *args):
    return reverse(f"content:{name}", args=[workspace.slug, *args])


def _autosave(client, workspace, data, post=None):
    args = [post.pk] if post else []
    return client.post(_url("post_autosave", workspace, *args), data)


# Access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["post_list", "compose"])
def test_outsider_gets_404_on_pages(client, mallory, workspace, name):
    client.force_login(mallory)
    assert client.get(_url(name, workspace)).status_code == 404


def test_another_workspaces_post_is_404_everywhere(client, alice, mallory, other_workspace, x):
    client.force_login(mallory)
    response = client.post(_url("post_autosave", other_workspace), composer_data())
    foreign = Post.objects.get(pk=response.json()["post_id"])
    client.force_login(alice)
    ws = x.workspace
    assert client.get(_url("post_detail", ws, foreign.pk)).status_code == 404
    for name in (
        "post_autosave",
        "post_check",
        "post_schedule",
        "post_unschedule",
        "post_queue",
        "post_delete",
        "post_comment",
    ):
        assert client.post(_url(name, ws, foreign.pk), {"body": "hi"}).status_code == 404, name
    assert Post.objects.filter(pk=foreign.pk).exists()


def test_viewer_sees_read_only_page_and_cannot_write(client, workspace, alice, x):
    client.force_login(alice)
    post_id = _autosave(client, workspace, composer_data(x, text="Hello")).json()["post_id"]
    viewer, _m = person(workspace, Role.VIEWER)
    client.force_login(viewer)
    assert client.get(_url("compose", workspace)).status_code == 403
    page = client.get(_url("post_detail", workspace, post_id))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="composer"' not in html
    assert "Hello" in html and "Delete post" not in html and "Team comments" in html
    assert _autosave(client, workspace, composer_data(x)).status_code == 403
    assert client.post(_url("post_detail", workspace, post_id), composer_data(x)).status_code == 403
    assert client.post(_url("post_delete", workspace, post_id)).status_code == 403
    # Viewers comment.
    client.post(_url("post_comment", workspace, post_id), {"body": "Looks good"})
    assert PostComment.objects.filter(post_id=post_id, body="Looks good").exists()


def test_contributor_edits_own_posts_only(client, workspace, alice, x):
    client.force_login(alice)
    alices = _autosave(client, workspace, composer_data(x, text="Alice's")).json()["post_id"]
    carol, _m = person(workspace, Role.CONTRIBUTOR)
    client.force_login(carol)
    page = client.get(_url("post_detail", workspace, alices)).content.decode()
    assert 'id="composer"' not in page and "someone else" in page
    response = _autosave(client, workspace, composer_data(x), post=Post.objects.get(pk=alices))
    assert response.status_code == 403
    own = _autosave(client, workspace, composer_data(x, text="Mine")).json()
    page = client.get(own["url"]).content.decode()
    assert 'id="composer"' in page
    # Approval is needed by default: no Schedule button, a Submit one.
    assert 'value="submit"' in page and 'value="schedule"' not in page


def test_editor_sees_schedule_and_queue(client, workspace, bob, x):
    client.force_login(bob)
    page = client.get(_url("compose", workspace)).content.decode()
    assert 'value="schedule"' in page and 'value="queue"' in page and 'value="submit"' not in page
    assert "Europe/Amsterdam" in page or workspace.timezone in page


# Autosave ---------------------------------------------------------------------------------------


def test_autosave_creates_then_updates_with_versions(client, workspace, alice, x, mastodon):
    client.force_login(alice)
    first = _autosave(client, workspace, composer_data(x, text="H"))
    assert first.status_code == 200
    body = first.json()
    post = Post.objects.get(pk=body["post_id"])
    assert post.text == "H" and post.author == alice and post.status == Post.Status.DRAFT
    assert body["url"] == _url("post_detail", workspace, post.pk)
    assert body["autosave_url"] == _url("post_autosave", workspace, post.pk)
    data = composer_data(
        x,
        mastodon,
        text="Hello world",
        version=body["version"],
        **{
            f"v{mastodon.pk}-text": "Hello fediverse",
            f"v{mastodon.pk}-text-custom": "1",
            f"v{x.pk}-text": "ignored: not customised",
            f"v{x.pk}-text-custom": "0",
        },
    )
    second = _autosave(client, workspace, data, post=post)
    assert second.status_code == 200, second.content
    assert second.json()["version"] == body["version"] + 1
    assert Post.objects.count() == 1
    targets = {t.channel_id: t for t in PostTarget.objects.filter(post=post)}
    assert targets[x.pk].text is None and targets[x.pk].effective_text == "Hello world"
    assert targets[mastodon.pk].text == "Hello fediverse"


def test_autosave_version_conflict_overwrites_nothing(client, workspace, alice, x):
    client.force_login(alice)
    body = _autosave(client, workspace, composer_data(x, text="one")).json()
    post = Post.objects.get(pk=body["post_id"])
    # Tab A saves version 1 -> 2.
    ok = _autosave(client, workspace, composer_data(x, text="tab A", version=1), post=post)
    assert ok.status_code == 200
    # Tab B still edits version 1.
    stale = _autosave(client, workspace, composer_data(x, text="tab B", version=1), post=post)
    assert stale.status_code == 409
    assert stale.json()["reason"] == "conflict" and stale.json()["version"] == 2
    post.refresh_from_db()
    assert post.text == "tab A"


def test_autosave_when_logged_out_answers_401_json(client, workspace, x):
    response = _autosave(client, workspace, composer_data(x))
    assert response.status_code == 401
    assert response.json()["reason"] == "logged_out"
    assert "log in again" in response.json()["message"]


def test_autosave_invalid_input_says_why(client, workspace, alice, x):
    client.force_login(alice)
    response = _autosave(client, workspace, composer_data(x, publish_date="2030-13-45"))
    assert response.status_code == 400
    assert response.json()["errors"]
    assert not Post.objects.exists()


def test_autosave_refuses_foreign_media(client, workspace, alice, x, other_workspace):
    client.force_login(alice)
    foreign = image_asset(other_workspace)
    response = _autosave(client, workspace, composer_data(x, media=[f"{foreign.pk}:crop"]))
    assert response.status_code == 400
    assert "Unknown media file" in " ".join(response.json()["errors"])


# The live check ---------------------------------------------------------------------------------


def test_check_returns_counters_errors_and_previews(client, workspace, alice, x, mastodon):
    client.force_login(alice)
    data = composer_data(x, mastodon, text="a" * 300 + " #coffee @barista")
    response = client.post(_url("post_check", workspace), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="composer-counters"' in html and 'id="composer-check"' in html
    assert "/280" in html and "/500" in html
    assert 'data-code="text_too_long"' in html
    assert "pv--x" in html and "pv--mastodon" in html
    assert '<span class="pv-tag">#coffee</span>' in html


def test_check_shows_guideline_warnings_with_reason(client, workspace, alice, x):
    x.guidelines.banned_words = ["cheap"]
    x.guidelines.tone_of_voice = "Warm, never pushy."
    x.guidelines.save()
    client.force_login(alice)
    html = client.post(
        _url("post_check", workspace), composer_data(x, text="Cheap coffee!")
    ).content.decode()
    assert 'class="issue warning" data-code="guideline_banned_word"' in html
    assert "cheap" in html and "Warm, never pushy." in html


def test_check_escapes_text(client, workspace, alice, x):
    client.force_login(alice)
    html = client.post(
        _url("post_check", workspace), composer_data(x, text="<script>alert(1)</script>")
    ).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


# Composer buttons ---------------------------------------------------------------------------------


def _future(days=2):
    local = timezone.localtime(timezone.now() + dt.timedelta(days=days))
    return {"publish_date": local.date().isoformat(), "publish_time": "10:30"}


def test_save_draft_creates_and_redirects(client, workspace, bob, x):
    client.force_login(bob)
    response = client.post(
        _url("compose", workspace), composer_data(x, text="Draft", intent="save")
    )
    post = Post.objects.get()
    assert response.status_code == 302 and response.url == _url("post_detail", workspace, post.pk)
    assert post.text == "Draft"


def test_schedule_with_errors_keeps_input_and_says_why(client, workspace, bob, x):
    client.force_login(bob)
    text = "too long " * 40
    response = client.post(
        _url("compose", workspace), composer_data(x, text=text, intent="schedule", **_future())
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert text.strip() in html
    assert "X" in html and "280" in html
    post = Post.objects.get()
    assert post.status == Post.Status.DRAFT and post.text == text  # saved as a draft


def test_schedule_from_composer(client, workspace, bob, x):
    client.force_login(bob)
    response = client.post(
        _url("compose", workspace), composer_data(x, text="Hi", intent="schedule", **_future())
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.status == Post.Status.SCHEDULED
    assert post.targets.get().status == PostTarget.Status.SCHEDULED


def test_invalid_form_keeps_everything_typed(client, workspace, bob, x, mastodon):
    client.force_login(bob)
    data = composer_data(
        x,
        mastodon,
        text="Keep me",
        link="not a url at all",
        intent="save",
        **{f"v{mastodon.pk}-text": "Keep me too", f"v{mastodon.pk}-text-custom": "1"},
    )
    response = client.post(_url("compose", workspace), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Keep me" in html and "Keep me too" in html and "not a url at all" in html
    assert f'name="v{mastodon.pk}-text-custom" value="1"' in html
    assert not Post.objects.exists()


def test_composer_version_conflict_shows_typed_text(client, workspace, bob, x):
    client.force_login(bob)
    post_id = _autosave(client, workspace, composer_data(x, text="v1")).json()["post_id"]
    _autosave(
        client, workspace, composer_data(x, text="v2", version=1), post=Post.objects.get(pk=post_id)
    )
    response = client.post(
        _url("post_detail", workspace, post_id),
        composer_data(x, text="my stale edit", version=1, intent="save"),
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "my stale edit" in html and "changed elsewhere" in html
    assert Post.objects.get(pk=post_id).text == "v2"
    # Explicitly replacing works.
    response = client.post(
        _url("post_detail", workspace, post_id),
        composer_data(x, text="my stale edit", version=1, intent="save", overwrite_version=2),
    )
    assert response.status_code == 302
    assert Post.objects.get(pk=post_id).text == "my stale edit"


def test_update_of_scheduled_post_with_errors_changes_nothing(client, workspace, bob, x):
    client.force_login(bob)
    client.post(
        _url("compose", workspace), composer_data(x, text="ok", intent="schedule", **_future())
    )
    post = Post.objects.get()
    response = client.post(
        _url("post_detail", workspace, post.pk),
        composer_data(x, text="x" * 400, version=post.version, intent="save", **_future()),
    )
    assert response.status_code == 400
    assert "x" * 400 in response.content.decode()
    post.refresh_from_db()
    assert post.text == "ok" and post.status == Post.Status.SCHEDULED
    # Autosave leaves scheduled posts alone.
    assert (
        _autosave(client, workspace, composer_data(x, version=post.version), post=post).status_code
        == 409
    )


def test_update_of_scheduled_post_moves_it_or_changes_nothing(client, workspace, bob, x):
    """The composer's "Update" runs the same use case as the API's PATCH: saved and checked
    again at the new time, or nothing changes (not the time either)."""
    client.force_login(bob)
    client.post(
        _url("compose", workspace), composer_data(x, text="ok", intent="schedule", **_future())
    )
    post = Post.objects.get()
    planned = post.scheduled_at
    broken = client.post(
        _url("post_detail", workspace, post.pk),
        composer_data(x, text="x" * 400, version=post.version, intent="save", **_future(days=5)),
    )
    assert broken.status_code == 400
    assert "Nothing was changed" in broken.content.decode()
    post.refresh_from_db()
    assert (post.text, post.scheduled_at, post.status) == ("ok", planned, Post.Status.SCHEDULED)

    moved = client.post(
        _url("post_detail", workspace, post.pk),
        composer_data(x, text="still ok", version=post.version, intent="save", **_future(days=5)),
    )
    assert moved.status_code == 302
    post.refresh_from_db()
    assert post.text == "still ok" and post.status == Post.Status.SCHEDULED
    moved_by = post.scheduled_at - planned
    assert abs(moved_by - dt.timedelta(days=3)) <= dt.timedelta(hours=1)  # a DST change at most
    assert PostTarget.objects.get(post=post).scheduled_at == post.scheduled_at


def test_contributors_update_of_a_scheduled_post_sends_it_back_for_review(
    client, workspace, bob, x
):
    carol, _ = person(workspace, Role.CONTRIBUTOR, email="carol@example.com")
    client.force_login(carol)
    client.post(
        _url("compose", workspace), composer_data(x, text="ok", intent="submit", **_future())
    )
    post = Post.objects.get()
    client.force_login(bob)
    client.post(reverse("content:post_approve", args=[workspace.slug, post.pk]))
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    client.force_login(carol)
    response = client.post(
        _url("post_detail", workspace, post.pk),
        composer_data(x, text="changed", version=post.version, intent="save", **_future()),
        follow=True,
    )
    assert "Sent for approval" in response.content.decode()
    post.refresh_from_db()
    assert post.text == "changed" and post.status == Post.Status.IN_REVIEW


def test_queue_without_slots_says_so(client, workspace, bob, x):
    client.force_login(bob)
    response = client.post(_url("compose", workspace), composer_data(x, text="Hi", intent="queue"))
    assert response.status_code == 400
    assert "no posting slots" in response.content.decode()


def test_contributor_submits_for_approval(client, workspace, alice, x):
    carol, _m = person(workspace, Role.CONTRIBUTOR)
    client.force_login(carol)
    response = client.post(
        _url("compose", workspace), composer_data(x, text="Please approve", intent="submit")
    )
    assert response.status_code == 302
    assert Post.objects.get().status == Post.Status.IN_REVIEW


# Read-only page, list, actions -------------------------------------------------------------


def test_published_post_is_read_only_with_external_link(client, workspace, bob, x):
    client.force_login(bob)
    post_id = _autosave(client, workspace, composer_data(x, text="Out")).json()["post_id"]
    Post.objects.filter(pk=post_id).update(status=Post.Status.PUBLISHED)
    PostTarget.objects.filter(post_id=post_id).update(
        status=PostTarget.Status.PUBLISHED,
        external_url="https://x.com/tulipcoffee/status/1",
        published_at=timezone.now(),
    )
    html = client.get(_url("post_detail", workspace, post_id)).content.decode()
    assert 'id="composer"' not in html
    assert "https://x.com/tulipcoffee/status/1" in html and "pv--x" in html
    assert client.post(_url("post_delete", workspace, post_id)).status_code == 302
    assert Post.objects.filter(pk=post_id).exists()  # published posts are not deleted


def test_delete_and_unschedule(client, workspace, bob, x):
    client.force_login(bob)
    client.post(
        _url("compose", workspace), composer_data(x, text="Hi", intent="schedule", **_future())
    )
    post = Post.objects.get()
    response = client.post(_url("post_unschedule", workspace, post.pk))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    response = client.post(_url("post_delete", workspace, post.pk))
    assert response.url == _url("post_list", workspace)
    assert not Post.objects.exists()


def test_schedule_saved_post_at_given_time(client, workspace, bob, x):
    client.force_login(bob)
    post_id = _autosave(client, workspace, composer_data(x, text="Hi")).json()["post_id"]
    response = client.post(_url("post_schedule", workspace, post_id), _future(3))
    assert response.status_code == 302
    assert Post.objects.get(pk=post_id).status == Post.Status.SCHEDULED


def test_comment_with_htmx_returns_partial(client, workspace, bob, x):
    client.force_login(bob)
    post_id = _autosave(client, workspace, composer_data(x, text="Hi")).json()["post_id"]
    response = client.post(
        _url("post_comment", workspace, post_id), {"body": "Nice photo"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Nice photo" in response.content.decode()
    empty = client.post(
        _url("post_comment", workspace, post_id), {"body": "  "}, HTTP_HX_REQUEST="true"
    )
    assert empty.status_code == 400


def test_post_list_filters(client, workspace, bob, x, mastodon):
    client.force_login(bob)
    _autosave(client, workspace, composer_data(x, text="On X only"))
    _autosave(client, workspace, composer_data(mastodon, text="On Mastodon only"))
    html = client.get(_url("post_list", workspace), {"channel": mastodon.pk}).content.decode()
    assert "On Mastodon only" in html and "On X only" not in html
    html = client.get(_url("post_list", workspace), {"q": "X only"}).content.decode()
    assert "On X only" in html and "On Mastodon only" not in html


def test_post_list_query_count(client, workspace, bob, x, django_assert_max_num_queries):
    for n in range(10):
        post = Post.objects.create(workspace=workspace, author=bob, text=f"post {n}")
        PostTarget.objects.create(workspace=workspace, post=post, channel=x)
    client.force_login(bob)
    client.get(_url("post_list", workspace))  # warm the session
    # session + user + usersession (read/update), membership, channels, campaigns, hashtag
    # groups, snippets, library, authors, count, posts, targets+channels, media: no N+1.
    with django_assert_max_num_queries(24):
        response = client.get(_url("post_list", workspace))
    assert response.content.decode().count('class="post-row"') == 10


def test_disconnected_channel_stays_on_its_post(client, workspace, bob, x, mastodon):
    client.force_login(bob)
    body = _autosave(client, workspace, composer_data(x, mastodon, text="Hi")).json()
    Channel.objects.filter(pk=mastodon.pk).update(status=Channel.Status.DISCONNECTED)
    post = Post.objects.get(pk=body["post_id"])
    html = client.get(body["url"]).content.decode()
    assert "disconnected" in html
    response = _autosave(
        client,
        workspace,
        composer_data(x, mastodon, text="Hi again", version=post.version),
        post=post,
    )
    assert response.status_code == 200
    check = client.post(_url("post_check", workspace, post.pk), composer_data(x, mastodon))
    assert 'data-code="channel_disconnected"' in check.content.decode()
    # A new post cannot pick it.
    assert _autosave(client, workspace, composer_data(mastodon)).status_code == 400
