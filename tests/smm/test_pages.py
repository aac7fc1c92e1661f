"""Every page of the shared kernel renders for a member; a query-count check on list pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smm.models import Role
from tests.factories import member


@pytest.mark.parametrize(
    "name,needs_slug",
    [
        ("smm:workspace_list", False),
        ("smm:workspace_home", True),
        ("smm:workspace_settings", True),
        ("smm:workspace_delete", True),
        ("smm:member_list", True),
        ("smm:activity", True),
        ("smm:system_status", True),
        ("smm:profile", False),
        ("smm:api_tokens", False),
    ],
)
def test_page_renders_for_owner(client, alice, workspace, name, needs_slug) -> None:
    client.force_login(alice)
    url = reverse(name, args=[workspace.slug] if needs_slug else [])
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert b"Ripple" in response.content


def test_home_redirects_to_the_only_workspace(client, alice, workspace) -> None:
    client.force_login(alice)
    assert client.get("/").url == reverse("smm:workspace_home", args=[workspace.slug])


def test_anonymous_is_sent_to_login(client, workspace) -> None:
    response = client.get(reverse("smm:workspace_home", args=[workspace.slug]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_login_page_renders(client, db) -> None:
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert b'name="login"' in response.content


def test_member_list_query_count(client, alice, workspace, django_assert_num_queries) -> None:
    for i in range(10):
        member(workspace, Role.VIEWER, email=f"v{i}@example.com")
    client.force_login(alice)
    url = reverse("smm:member_list", args=[workspace.slug])
    client.get(url)  # the first request of a session records it (usersessions)
    # session, user, usersession read + its user + last-seen update (2 savepoints),
    # membership+workspace, members+users, heartbeat, workspace switcher, open invitations,
    # channels needing a reconnect (admins): 13, the same for 2 or 200 members.
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b'id="member-') == 11


def test_404_and_403_pages_are_the_suites_own(client, bob, workspace, settings) -> None:
    settings.DEBUG = False
    client.force_login(bob)
    missing = client.get("/w/no-such-workspace/")
    assert missing.status_code == 404 and b"Go to your workspaces" in missing.content
    refused = client.get(reverse("smm:workspace_settings", args=[workspace.slug]))
    assert refused.status_code == 403 and b"Your role in this workspace" in refused.content


def test_the_only_owner_is_not_offered_to_leave(client, alice, bob, workspace) -> None:
    client.force_login(alice)
    page = client.get(reverse("smm:member_list", args=[workspace.slug]))
    assert b">Leave<" not in page.content
    client.force_login(bob)
    page = client.get(reverse("smm:member_list", args=[workspace.slug]))
    assert b">Leave<" in page.content
