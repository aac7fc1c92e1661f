"""The content library: hashtags normalised, names unique per workspace with a clear error,
the page (add, edit, delete; errors keep the text), roles, isolation and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from content.models import HashtagGroup, Snippet
from content.selectors.library import hashtag_group_list, snippet_list
from content.services.library import (
    hashtag_group_create,
    hashtag_group_update,
    normalize_hashtags,
    snippet_create,
    snippet_update,
)
from smm.models import ActivityEvent, Role
from tests.factories import member


def test_hashtags_are_normalised():
    assert normalize_hashtags("#Coffee coffee, #latte\n#LATTE;barista  #café") == [
        "Coffee",
        "latte",
        "barista",
        "café",
    ]
    assert normalize_hashtags(["#a", "A", " b "]) == ["a", "b"]
    assert normalize_hashtags("") == []


@pytest.mark.parametrize("bad", ["#", "#two-words", "#hello!", "#a.b"])
def test_invalid_hashtags_are_refused_with_the_culprit(bad):
    with pytest.raises(ValidationError) as err:
        normalize_hashtags(f"#ok {bad}")
    assert bad in err.value.message_dict["hashtags"][0]


def test_at_most_30_hashtags():
    assert len(normalize_hashtags([f"t{i}" for i in range(30)])) == 30
    # Duplicates do not count.
    assert len(normalize_hashtags([f"t{i}" for i in range(30)] + ["T1"])) == 30
    with pytest.raises(ValidationError) as err:
        normalize_hashtags([f"t{i}" for i in range(31)])
    assert "at most 30" in err.value.message_dict["hashtags"][0]


def test_group_names_are_unique_per_workspace_ignoring_case(
    alice, workspace, mallory, other_workspace
):
    hashtag_group_create(workspace=workspace, by=alice, name="Coffee", hashtags="#coffee")
    with pytest.raises(ValidationError) as err:
        hashtag_group_create(workspace=workspace, by=alice, name=" coffee ", hashtags="#x")
    assert err.value.message_dict["name"] == [
        "This workspace already has a hashtag group named “coffee”. Pick another name."
    ]
    # Another workspace may use the name.
    hashtag_group_create(workspace=other_workspace, by=mallory, name="Coffee", hashtags="#c")
    assert ActivityEvent.objects.filter(verb="hashtag_group.created").count() == 2


def test_group_update_and_empty_group_refused(alice, workspace):
    group = hashtag_group_create(workspace=workspace, by=alice, name="A", hashtags="#a")
    hashtag_group_create(workspace=workspace, by=alice, name="B", hashtags="#b")
    with pytest.raises(ValidationError):
        hashtag_group_update(group=group, by=alice, name="b")
    with pytest.raises(ValidationError):
        hashtag_group_update(group=group, by=alice, hashtags="  ")
    hashtag_group_update(group=group, by=alice, name="a", hashtags="#a #new")  # case change ok
    group.refresh_from_db()
    assert (group.name, group.hashtags) == ("a", ["a", "new"])


def test_snippets(alice, workspace):
    snippet = snippet_create(workspace=workspace, by=alice, name="Sign-off", body="  Cheers!\n")
    assert snippet.body == "Cheers!"
    with pytest.raises(ValidationError) as err:
        snippet_create(workspace=workspace, by=alice, name="SIGN-OFF", body="x")
    assert "already has a snippet named" in err.value.message_dict["name"][0]
    with pytest.raises(ValidationError):
        snippet_update(snippet=snippet, by=alice, body=" ")
    snippet_update(snippet=snippet, by=alice, body="Cheers, Tulip")
    assert list(snippet_list(workspace=workspace)) == [snippet]
    assert ActivityEvent.objects.filter(verb="snippet.updated").count() == 1


# Pages -----------------------------------------------------------------------------------------


def _url(workspace, name="content:library", *args):
    return reverse(name, args=[workspace.slug, *args])


def test_add_edit_delete_through_the_page(client, bob, workspace):
    client.force_login(bob)
    response = client.post(
        _url(workspace, "content:hashtag_group_create"),
        {"new-group-name": "Coffee", "new-group-hashtags": "coffee #Coffee #latte"},
    )
    group = HashtagGroup.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#group-{group.pk}")
    assert group.hashtags == ["coffee", "latte"]
    page = client.get(_url(workspace)).content.decode()
    assert "#coffee" in page and "#latte" in page

    client.post(
        _url(workspace, "content:hashtag_group_update", group.pk),
        {f"group-{group.pk}-name": "Coffee lovers", f"group-{group.pk}-hashtags": "#beans"},
    )
    group.refresh_from_db()
    assert (group.name, group.hashtags) == ("Coffee lovers", ["beans"])

    client.post(
        _url(workspace, "content:snippet_create"),
        {"new-snippet-name": "Sign-off", "new-snippet-body": "— the Tulip team"},
    )
    snippet = Snippet.objects.get(workspace=workspace)
    client.post(_url(workspace, "content:snippet_delete", snippet.pk))
    client.post(_url(workspace, "content:hashtag_group_delete", group.pk))
    assert not Snippet.objects.exists() and not HashtagGroup.objects.exists()


def test_errors_keep_the_text_and_open_the_form(client, alice, workspace):
    existing = hashtag_group_create(workspace=workspace, by=alice, name="Coffee", hashtags="#c")
    client.force_login(alice)
    response = client.post(
        _url(workspace, "content:hashtag_group_create"),
        {"new-group-name": "coffee", "new-group-hashtags": "#espresso #flat-white"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Not valid: #flat-white" in page
    assert "#espresso #flat-white" in page  # what was typed is still there
    # A taken name, on edit: the edited row opens with the message.
    other = hashtag_group_create(workspace=workspace, by=alice, name="Tea", hashtags="#tea")
    response = client.post(
        _url(workspace, "content:hashtag_group_update", other.pk),
        {f"group-{other.pk}-name": "COFFEE", f"group-{other.pk}-hashtags": "#tea #green"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "already has a hashtag group named “COFFEE”" in page
    assert 'value="COFFEE"' in page and "#tea #green" in page
    assert '<details class="library-edit" open>' in page
    assert existing.name == HashtagGroup.objects.get(pk=existing.pk).name


def test_contributors_and_viewers_read_only(client, workspace, alice):
    group = hashtag_group_create(workspace=workspace, by=alice, name="Coffee", hashtags="#c")
    contributor = member(workspace, Role.CONTRIBUTOR)
    client.force_login(contributor)
    page = client.get(_url(workspace)).content.decode()
    assert (
        "#c" in page and "New hashtag group" not in page and "<summary>Edit</summary>" not in page
    )
    assert (
        client.post(
            _url(workspace, "content:hashtag_group_create"),
            {"new-group-name": "X", "new-group-hashtags": "#x"},
        ).status_code
        == 403
    )
    assert client.post(_url(workspace, "content:hashtag_group_delete", group.pk)).status_code == 403


def test_outsider_gets_404(client, mallory, alice, workspace):
    group = hashtag_group_create(workspace=workspace, by=alice, name="Coffee", hashtags="#c")
    snippet = snippet_create(workspace=workspace, by=alice, name="S", body="b")
    client.force_login(mallory)
    assert client.get(_url(workspace)).status_code == 404
    other = mallory.memberships.get().workspace
    assert client.post(_url(other, "content:hashtag_group_delete", group.pk)).status_code == 404
    assert client.post(_url(other, "content:snippet_update", snippet.pk)).status_code == 404
    assert HashtagGroup.objects.filter(pk=group.pk).exists()


def test_library_page_query_count(client, alice, workspace, django_assert_num_queries):
    for i in range(10):
        hashtag_group_create(workspace=workspace, by=alice, name=f"G{i}", hashtags=f"#g{i}")
        snippet_create(workspace=workspace, by=alice, name=f"S{i}", body=f"Body {i}")
    client.force_login(alice)
    client.get(_url(workspace))  # the first request of a session records it (usersessions)
    # session, user, usersession read + its user + last-seen update (2 savepoints): 7;
    # membership+workspace, groups, snippets, heartbeat, workspace switcher, channels needing
    # a reconnect (admins): 13, the same for 10 or 100 rows.
    with django_assert_num_queries(13):
        response = client.get(_url(workspace))
    page = response.content.decode()
    assert page.count('class="library-item" id="group-') == 10
    assert page.count('class="library-item" id="snippet-') == 10


# API -------------------------------------------------------------------------------------------


def test_api_hashtag_groups(client, bob, workspace):
    client.force_login(bob)
    url = reverse("api:hashtag_group_list", args=[workspace.slug])
    created = client.post(
        url, {"name": "Coffee", "hashtags": ["#coffee", "Coffee", "latte"]}, "application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["hashtags"] == ["coffee", "latte"]
    dup = client.post(url, {"name": "coffee", "hashtags": ["x"]}, "application/json")
    assert dup.status_code == 400 and "name" in dup.json()["errors"]
    detail = reverse("api:hashtag_group_detail", args=[workspace.slug, created.json()["id"]])
    patched = client.patch(detail, {"hashtags": ["#beans"]}, content_type="application/json")
    assert patched.json()["hashtags"] == ["beans"]
    assert [g["name"] for g in client.get(url).json()] == ["Coffee"]
    assert client.delete(detail).status_code == 204
    assert list(hashtag_group_list(workspace=workspace)) == []


def test_api_snippets_and_roles(client, workspace, alice):
    viewer = member(workspace, Role.VIEWER)
    snippet = snippet_create(workspace=workspace, by=alice, name="S", body="Body")
    client.force_login(viewer)
    url = reverse("api:snippet_list", args=[workspace.slug])
    assert client.get(url).json()[0]["body"] == "Body"
    assert client.post(url, {"name": "X", "body": "y"}, "application/json").status_code == 403
    detail = reverse("api:snippet_detail", args=[workspace.slug, snippet.pk])
    assert client.patch(detail, {"body": "z"}, content_type="application/json").status_code == 403
    client.force_login(alice)
    assert (
        client.patch(detail, {"body": "z"}, content_type="application/json").json()["body"] == "z"
    )


def test_api_outsider_gets_404(client, mallory, alice, workspace):
    snippet = snippet_create(workspace=workspace, by=alice, name="S", body="Body")
    client.force_login(mallory)
    other = mallory.memberships.get().workspace
    assert (
        client.get(reverse("api:snippet_detail", args=[other.slug, snippet.pk])).status_code == 404
    )
