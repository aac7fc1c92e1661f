"""Role matrix: every role against every action, in the UI and the API. The expected outcome is
written out here as the specification; the code reads it from smm.tenancy.PERMISSIONS."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from smm.models import Membership, Role
from tests.factories import ChannelFactory, member

ALL = {Role.OWNER, Role.ADMIN, Role.EDITOR, Role.CONTRIBUTOR, Role.VIEWER}
MANAGERS = {Role.OWNER, Role.ADMIN}
OWNERS = {Role.OWNER}
EDITORS = {Role.OWNER, Role.ADMIN, Role.EDITOR}
WRITERS = EDITORS | {Role.CONTRIBUTOR}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: str  # formatted with slug, target (a viewer's membership id), invitation
    allowed: set[Role]
    data: dict | None = None
    ok: int = 200


UI_CASES = [
    Case("overview", "get", "/w/{slug}/", ALL),
    Case("team", "get", "/w/{slug}/members/", ALL),
    Case(
        "invite",
        "post",
        "/w/{slug}/members/",
        MANAGERS,
        {"email": "x@example.com", "role": "viewer"},
        302,
    ),
    Case(
        "change role", "post", "/w/{slug}/members/{target}/role/", MANAGERS, {"role": "editor"}, 302
    ),
    Case("remove member", "post", "/w/{slug}/members/{target}/remove/", MANAGERS, None, 302),
    Case(
        "resend invitation",
        "post",
        "/w/{slug}/invitations/{invitation}/resend/",
        MANAGERS,
        None,
        302,
    ),
    Case(
        "revoke invitation",
        "post",
        "/w/{slug}/invitations/{invitation}/revoke/",
        MANAGERS,
        None,
        302,
    ),
    Case("settings page", "get", "/w/{slug}/settings/", MANAGERS),
    Case(
        "save settings",
        "post",
        "/w/{slug}/settings/",
        MANAGERS,
        {"name": "Renamed", "timezone": "Europe/Amsterdam", "language": "en"},
        302,
    ),
    Case("delete page", "get", "/w/{slug}/delete/", OWNERS),
    Case("activity log", "get", "/w/{slug}/activity/", MANAGERS),
    Case("system status", "get", "/w/{slug}/status/", MANAGERS),
    Case("channels", "get", "/w/{slug}/channels/", ALL),
    Case("channel", "get", "/w/{slug}/channels/{channel}/", ALL),
    Case(
        "save guidelines",
        "post",
        "/w/{slug}/channels/{channel}/",
        EDITORS,
        {"tone_of_voice": "warm", "default_hashtags": "#coffee"},
        302,
    ),
    Case(
        "add posting slot",
        "post",
        "/w/{slug}/channels/{channel}/slots/",
        EDITORS,
        {"weekday": "1", "time": "09:30"},
        302,
    ),
    Case("connect page", "get", "/w/{slug}/channels/connect/bluesky/", MANAGERS),
    Case("disconnect page", "get", "/w/{slug}/channels/{channel}/disconnect/", MANAGERS),
    Case("disconnect", "post", "/w/{slug}/channels/{channel}/disconnect/", MANAGERS, None, 302),
    Case("calendar", "get", "/w/{slug}/calendar/", ALL),
    Case("posts", "get", "/w/{slug}/posts/", ALL),
    Case("post", "get", "/w/{slug}/posts/{post}/", ALL),
    Case("composer", "get", "/w/{slug}/posts/new/", WRITERS),
    Case(
        "comment on a post", "post", "/w/{slug}/posts/{post}/comments/", ALL, {"body": "Nice"}, 302
    ),
    Case("approvals", "get", "/w/{slug}/approvals/", ALL),
    Case("media library", "get", "/w/{slug}/media/", ALL),
    Case("campaigns", "get", "/w/{slug}/campaigns/", ALL),
    Case(
        "create campaign",
        "post",
        "/w/{slug}/campaigns/new/",
        EDITORS,
        {"name": "Autumn", "objective": "traffic"},
        302,
    ),
    Case("hashtags and snippets", "get", "/w/{slug}/library/", ALL),
    Case(
        "add hashtag group",
        "post",
        "/w/{slug}/library/hashtags/",
        EDITORS,
        {"new-group-name": "Beans", "new-group-hashtags": "#beans"},
        302,
    ),
    Case("import page", "get", "/w/{slug}/import/", EDITORS),
    Case("links", "get", "/w/{slug}/links/", ALL),
    Case("tracking keys", "get", "/w/{slug}/links/keys/", MANAGERS),
    Case("approval settings", "get", "/w/{slug}/content/settings/", MANAGERS),
]

API_CASES = [
    Case("read workspace", "get", "/api/v1/workspaces/{slug}/", ALL),
    Case("rename workspace", "patch", "/api/v1/workspaces/{slug}/", MANAGERS, {"name": "Renamed"}),
    # A wrong confirmation is a 400 for the owner (allowed, but refused), a 403 for the rest.
    Case(
        "delete workspace",
        "delete",
        "/api/v1/workspaces/{slug}/",
        OWNERS,
        {"confirm_name": "nope"},
        400,
    ),
    Case("list members", "get", "/api/v1/workspaces/{slug}/members/", ALL),
    Case("read member", "get", "/api/v1/workspaces/{slug}/members/{target}/", ALL),
    Case(
        "change role",
        "patch",
        "/api/v1/workspaces/{slug}/members/{target}/",
        MANAGERS,
        {"role": "editor"},
    ),
    Case(
        "remove member",
        "delete",
        "/api/v1/workspaces/{slug}/members/{target}/",
        MANAGERS,
        None,
        204,
    ),
    Case("list invitations", "get", "/api/v1/workspaces/{slug}/invitations/", MANAGERS),
    Case(
        "invite",
        "post",
        "/api/v1/workspaces/{slug}/invitations/",
        MANAGERS,
        {"email": "x@example.com", "role": "viewer"},
        201,
    ),
    Case(
        "revoke invitation",
        "delete",
        "/api/v1/workspaces/{slug}/invitations/{invitation}/",
        MANAGERS,
        None,
        204,
    ),
    Case("activity", "get", "/api/v1/workspaces/{slug}/activity/", MANAGERS),
    Case("list channels", "get", "/api/v1/workspaces/{slug}/channels/", ALL),
    Case("read channel", "get", "/api/v1/workspaces/{slug}/channels/{channel}/", ALL),
    Case(
        "change guidelines",
        "patch",
        "/api/v1/workspaces/{slug}/channels/{channel}/guidelines/",
        EDITORS,
        {"tone_of_voice": "warm"},
    ),
    Case(
        "add posting slot",
        "post",
        "/api/v1/workspaces/{slug}/channels/{channel}/slots/",
        EDITORS,
        {"weekday": 1, "time": "09:30"},
        201,
    ),
    Case(
        "disconnect channel",
        "post",
        "/api/v1/workspaces/{slug}/channels/{channel}/disconnect/",
        MANAGERS,
    ),
    Case("list posts", "get", "/api/v1/workspaces/{slug}/posts/", ALL),
    Case(
        "write a post",
        "post",
        "/api/v1/workspaces/{slug}/posts/",
        WRITERS,
        {"text": "Hello", "channels": []},
        201,
    ),
    Case("read a post", "get", "/api/v1/workspaces/{slug}/posts/{post}/", ALL),
    Case("list media", "get", "/api/v1/workspaces/{slug}/media/", ALL),
    Case("list campaigns", "get", "/api/v1/workspaces/{slug}/campaigns/", ALL),
    Case(
        "create campaign",
        "post",
        "/api/v1/workspaces/{slug}/campaigns/",
        EDITORS,
        {"name": "Autumn", "objective": "traffic"},
        201,
    ),
    Case("list imports", "get", "/api/v1/workspaces/{slug}/imports/", EDITORS),
    Case("list links", "get", "/api/v1/workspaces/{slug}/links/", ALL),
]


@pytest.fixture
def setup(alice, workspace):
    from smm.services import invitation_create

    target = Membership.objects.get(user=member(workspace, Role.VIEWER, email="target@example.com"))
    owner_m = Membership.objects.get(user=alice)
    invitation = invitation_create(
        workspace=workspace, email="pending@example.com", role=Role.VIEWER, by=owner_m
    )
    channel = ChannelFactory(workspace=workspace)
    from content.models import Post

    post = Post.objects.create(workspace=workspace, author=alice, text="Planned")
    return {
        "post": post.pk,
        "slug": workspace.slug,
        "target": target.pk,
        "invitation": invitation.invitation.pk,
        "channel": channel.pk,
    }


def _actor(workspace, role: Role, alice):
    return alice if role == Role.OWNER else member(workspace, role, email=f"{role}@example.com")


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("case", UI_CASES, ids=lambda c: c.name)
def test_ui_role_matrix(client, workspace, alice, setup, role: Role, case: Case) -> None:
    client.force_login(_actor(workspace, role, alice))
    url = case.url.format(**setup)
    response = getattr(client, case.method)(url, case.data or {})
    expected = case.ok if role in case.allowed else 403
    assert response.status_code == expected, f"{role} {case.name}: {response.status_code}"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("case", API_CASES, ids=lambda c: c.name)
def test_api_role_matrix(client, workspace, alice, setup, role: Role, case: Case) -> None:
    client.force_login(_actor(workspace, role, alice))
    url = case.url.format(**setup)
    response = getattr(client, case.method)(url, case.data or {}, content_type="application/json")
    expected = case.ok if role in case.allowed else 403
    assert response.status_code == expected, (
        f"{role} {case.name}: {response.status_code} {response.content[:200]}"
    )


def test_the_matrix_covers_every_permission() -> None:
    """A new action in PERMISSIONS needs a row here (the matrix is the written specification).
    The stand-in app of tests/plugin_app registers its own actions; they are not the product's."""
    from smm.tenancy import PERMISSIONS

    assert {action for action in PERMISSIONS if not action.startswith("plugin_demo.")} == {
        "workspace.view",
        "workspace.update",
        "workspace.delete",
        "members.view",
        "members.invite",
        "members.change_role",
        "members.remove",
        "activity.view",
        "system.status",
        "channels.view",
        "channels.guidelines",
        "channels.manage",
        "content.view",
        "content.comment",
        "content.approve",
        "content.create",
        "media.upload",
        "content.schedule",
        "content.edit_any",
        "content.import",
        "content.library",
        "campaigns.manage",
        "links.view",
        "links.manage",
        "content.settings",
        "tracking_keys.manage",
    }


def test_owner_deletes_workspace_with_the_right_name(client, alice, workspace) -> None:
    from smm.models import Workspace

    client.force_login(alice)
    response = client.post(
        reverse("smm:workspace_delete", args=[workspace.slug]), {"confirm_name": "Tulip"}
    )
    assert response.status_code == 200 and Workspace.objects.filter(pk=workspace.pk).exists()
    response = client.post(
        reverse("smm:workspace_delete", args=[workspace.slug]), {"confirm_name": "Tulip Coffee"}
    )
    assert response.status_code == 302 and not Workspace.objects.filter(pk=workspace.pk).exists()
