"""Django admin honours workspace roles for staff who are not superusers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from smm.models import Membership, Role, Workspace
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory


@pytest.fixture
def staff(db):
    user = UserFactory(email="staff@example.com", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="smm"))
    return user


def test_staff_sees_only_workspaces_they_administer(client, staff) -> None:
    managed = WorkspaceFactory(name="Managed")
    only_viewer = WorkspaceFactory(name="Only viewer")
    stranger = WorkspaceFactory(name="Stranger")
    MembershipFactory(workspace=managed, user=staff, role=Role.ADMIN)
    MembershipFactory(workspace=only_viewer, user=staff, role=Role.VIEWER)
    client.force_login(staff)

    page = client.get("/admin/smm/workspace/")
    assert b"Managed" in page.content
    assert b"Only viewer" not in page.content and b"Stranger" not in page.content
    # An object outside the staff member's workspaces cannot be opened or changed.
    response = client.get(f"/admin/smm/workspace/{stranger.pk}/change/")
    assert response.status_code == 302  # "doesn't exist" — nothing revealed
    response = client.post(f"/admin/smm/workspace/{only_viewer.pk}/change/", {"name": "Hacked"})
    assert Workspace.objects.get(pk=only_viewer.pk).name == "Only viewer"


def test_staff_admin_cannot_delete_a_workspace_they_do_not_own(client, staff) -> None:
    managed = WorkspaceFactory(name="Managed")
    MembershipFactory(workspace=managed, user=staff, role=Role.ADMIN)
    client.force_login(staff)
    response = client.post(f"/admin/smm/workspace/{managed.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Workspace.objects.filter(pk=managed.pk).exists()


def test_membership_admin_is_scoped(client, staff) -> None:
    managed, stranger = WorkspaceFactory(name="Managed"), WorkspaceFactory(name="Stranger")
    MembershipFactory(workspace=managed, user=staff, role=Role.ADMIN)
    foreign = MembershipFactory(workspace=stranger, role=Role.EDITOR)
    client.force_login(staff)
    page = client.get("/admin/smm/membership/")
    assert foreign.user.email.encode() not in page.content
    assert client.get(f"/admin/smm/membership/{foreign.pk}/change/").status_code == 302
    assert Membership.objects.get(pk=foreign.pk).role == Role.EDITOR


def test_admin_never_shows_token_hashes(client, alice) -> None:
    from smm.services import api_token_create

    superuser = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    created = api_token_create(user=alice, name="export")
    client.force_login(superuser)
    page = client.get(f"/admin/smm/apitoken/{created.token.pk}/change/")
    assert page.status_code == 200
    assert created.token.token_hash.encode() not in page.content
    assert created.raw.encode() not in page.content


def test_staff_cannot_change_roles_or_add_members_in_the_admin(client, staff) -> None:
    """Roles change in the UI, where the owner rules live; the admin shows them read-only to
    staff who are not superusers (else a workspace admin could make themselves owner here)."""
    managed = WorkspaceFactory(name="Managed")
    own = MembershipFactory(workspace=managed, user=staff, role=Role.ADMIN)
    client.force_login(staff)
    client.post(
        f"/admin/smm/membership/{own.pk}/change/",
        {"workspace": managed.pk, "user": staff.pk, "role": Role.OWNER},
    )
    assert Membership.objects.get(pk=own.pk).role == Role.ADMIN
    assert client.get("/admin/smm/membership/add/").status_code == 403
    page = client.get(f"/admin/smm/workspace/{managed.pk}/change/")
    assert b'name="memberships-0-role"' not in page.content


def test_invitations_are_not_added_in_the_admin(client, db) -> None:
    superuser = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    # Made in the UI or API, where the link is created, hashed and e-mailed.
    assert client.get("/admin/smm/invitation/add/").status_code == 403
