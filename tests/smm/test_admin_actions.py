"""Admin actions change state only through the service that owns the change, so the admin
keeps the same rules and leaves the same activity log as the app."""

from __future__ import annotations

import logging

import pytest

from content.models import HashtagGroup, Snippet, TrackingKey
from smm.models import ActivityEvent, Role, Workspace
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory


@pytest.fixture
def root(db):
    return UserFactory(email="root@example.com", is_staff=True, is_superuser=True)


def _run_action(client, model: str, action: str, ids: list[int]):
    return client.post(
        f"/admin/{model}/",
        {"action": action, "_selected_action": [str(pk) for pk in ids], "post": "yes"},
        follow=True,
    )


def test_revoking_keys_goes_through_the_service(client, root, workspace) -> None:
    live = TrackingKey.objects.create(
        workspace=workspace, name="shop", lookup_prefix="aaa", key_hash="1" * 64
    )
    gone = TrackingKey.objects.create(
        workspace=workspace, name="old", lookup_prefix="bbb", key_hash="2" * 64
    )
    TrackingKey.objects.filter(pk=gone.pk).update(revoked_at=live.created_at)
    client.force_login(root)
    response = _run_action(client, "content/trackingkey", "revoke", [live.pk, gone.pk])
    assert b"1 keys revoked." in response.content
    live.refresh_from_db()
    assert live.revoked_at is not None
    (event,) = ActivityEvent.objects.filter(verb="tracking_key.revoked")
    assert event.target_id == str(live.pk) and event.actor_id == root.pk


def test_staff_revoke_only_keys_of_workspaces_they_administer(client, workspace) -> None:
    from django.contrib.auth.models import Permission

    staff = UserFactory(email="staff@example.com", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="content"))
    MembershipFactory(workspace=workspace, user=staff, role=Role.EDITOR)  # not admin
    key = TrackingKey.objects.create(
        workspace=workspace, name="shop", lookup_prefix="aaa", key_hash="1" * 64
    )
    client.force_login(staff)
    _run_action(client, "content/trackingkey", "revoke", [key.pk])
    key.refresh_from_db()
    assert key.revoked_at is None
    assert not ActivityEvent.objects.filter(verb="tracking_key.revoked").exists()


def test_deleting_hashtag_groups_goes_through_the_service(client, root, workspace) -> None:
    group = HashtagGroup.objects.create(workspace=workspace, name="g", hashtags=["a"])
    client.force_login(root)
    _run_action(client, "content/hashtaggroup", "delete_selected", [group.pk])
    assert not HashtagGroup.objects.filter(pk=group.pk).exists()
    assert ActivityEvent.objects.filter(verb="hashtag_group.deleted", actor=root).count() == 1


def test_deleting_snippets_goes_through_the_service(client, root, workspace) -> None:
    snippet = Snippet.objects.create(workspace=workspace, name="s", body="b")
    client.force_login(root)
    client.post(f"/admin/content/snippet/{snippet.pk}/delete/", {"post": "yes"})
    assert not Snippet.objects.filter(pk=snippet.pk).exists()
    assert ActivityEvent.objects.filter(verb="snippet.deleted", actor=root).count() == 1


def test_deleting_workspaces_goes_through_the_service(client, root, caplog) -> None:
    doomed = [WorkspaceFactory(name="One"), WorkspaceFactory(name="Two")]
    client.force_login(root)
    with caplog.at_level(logging.INFO, logger="smm.services"):
        _run_action(client, "smm/workspace", "delete_selected", [w.pk for w in doomed])
    assert not Workspace.objects.filter(pk__in=[w.pk for w in doomed]).exists()
    assert caplog.text.count(f"deleted by user {root.pk}") == 2


def test_removing_members_goes_through_the_service_and_keeps_an_owner(
    client, root, workspace, alice
) -> None:
    bob = UserFactory(email="bob@example.com")
    member = MembershipFactory(workspace=workspace, user=bob, role=Role.EDITOR)
    owner = workspace.memberships.get(user=alice)
    client.force_login(root)
    response = _run_action(client, "smm/membership", "delete_selected", [member.pk, owner.pk])
    assert b"A workspace needs at least one owner" in response.content
    assert not workspace.memberships.filter(pk=member.pk).exists()
    assert workspace.memberships.filter(pk=owner.pk).exists()  # the last owner stays
    (event,) = ActivityEvent.objects.filter(verb="member.removed", workspace=workspace)
    assert event.actor_id == root.pk and event.target_label == "bob@example.com"


def test_members_and_posting_slots_are_read_only_inlines(client, root, workspace, alice) -> None:
    from channels_app.models import PostingSlot
    from tests.factories import ChannelFactory

    channel = ChannelFactory(workspace=workspace)
    PostingSlot.objects.create(workspace=workspace, channel=channel, weekday=0, time="09:00")
    client.force_login(root)
    page = client.get(f"/admin/smm/workspace/{workspace.pk}/change/").content.decode()
    assert "memberships-0-DELETE" not in page and 'name="memberships-0-role"' not in page
    page = client.get(f"/admin/channels_app/channel/{channel.pk}/change/").content.decode()
    assert "posting_slots-0-DELETE" not in page and "Monday" in page  # shown, not editable
