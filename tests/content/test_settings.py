"""Content settings: get-or-create defaults, approvers only from this workspace (any role),
review link days in range, the page explains the rules, admins only, outsiders 404."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from content.models import ContentSettings
from content.services.settings import content_settings_get, content_settings_update
from smm.models import ActivityEvent, Membership, Role
from tests.factories import member


def _membership(user, workspace) -> Membership:
    return Membership.objects.get(user=user, workspace=workspace)


def test_defaults_are_made_once(workspace):
    first = content_settings_get(workspace=workspace)
    again = content_settings_get(workspace=workspace)
    assert first.pk == again.pk
    assert (first.approval_required, first.review_link_days) == (True, 7)
    assert list(first.approvers.all()) == []


def test_update_sets_approvers_of_any_role(alice, workspace):
    viewer = member(workspace, Role.VIEWER, email="client@example.com")
    result = content_settings_update(
        workspace=workspace,
        by=alice,
        approval_required=True,
        approver_ids=[_membership(viewer, workspace).pk],
        review_link_days=14,
    )
    assert [m.user for m in result.approvers.all()] == [viewer]
    assert result.review_link_days == 14
    event = ActivityEvent.objects.get(verb="content_settings.updated")
    assert event.data == {
        "review_link_days": [7, 14],
        "approvers": [[], ["client@example.com"]],
    }
    # Saving the same values logs nothing new.
    content_settings_update(
        workspace=workspace,
        by=alice,
        approval_required=True,
        approver_ids=[_membership(viewer, workspace).pk],
        review_link_days=14,
    )
    assert ActivityEvent.objects.filter(verb="content_settings.updated").count() == 1


def test_approvers_must_be_members_of_this_workspace(alice, workspace, mallory, other_workspace):
    with pytest.raises(ValidationError) as err:
        content_settings_update(
            workspace=workspace,
            by=alice,
            approval_required=True,
            approver_ids=[_membership(mallory, other_workspace).pk],
            review_link_days=7,
        )
    assert err.value.message_dict["approvers"] == ["Approvers must be members of this workspace."]
    assert not content_settings_get(workspace=workspace).approvers.exists()


@pytest.mark.parametrize("days", [0, 91])
def test_review_link_days_in_range(alice, workspace, days):
    with pytest.raises(ValidationError) as err:
        content_settings_update(
            workspace=workspace,
            by=alice,
            approval_required=False,
            approver_ids=[],
            review_link_days=days,
        )
    assert "review_link_days" in err.value.message_dict


def test_page_explains_and_saves(client, alice, bob, workspace):
    client.force_login(alice)
    url = reverse("content:settings", args=[workspace.slug])
    page = client.get(url).content.decode()
    assert "How approval works" in page
    assert "viewers too" in page
    assert "every editor, admin and owner approves" in page
    assert "schedule their own posts directly" in page
    assert "Bob Editor · Editor" in page
    response = client.post(
        url,
        {"approvers": [_membership(bob, workspace).pk], "review_link_days": "3"},
    )
    assert response.status_code == 302
    saved = ContentSettings.objects.get(workspace=workspace)
    assert saved.approval_required is False  # unticked box
    assert [m.user for m in saved.approvers.all()] == [bob]
    assert saved.review_link_days == 3


def test_page_refuses_foreign_members_and_keeps_input(client, alice, workspace, mallory):
    client.force_login(alice)
    url = reverse("content:settings", args=[workspace.slug])
    foreign = Membership.objects.get(user=mallory).pk
    response = client.post(
        url, {"approval_required": "on", "approvers": [foreign], "review_link_days": "30"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "field-error" in page
    assert 'value="30"' in page


def test_only_admins_and_owners(client, bob, workspace):
    client.force_login(bob)  # an editor
    assert client.get(reverse("content:settings", args=[workspace.slug])).status_code == 403


def test_outsider_gets_404(client, mallory, workspace):
    client.force_login(mallory)
    url = reverse("content:settings", args=[workspace.slug])
    assert client.get(url).status_code == 404
    assert client.post(url, {"review_link_days": "1"}).status_code == 404
