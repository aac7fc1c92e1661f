"""Workspaces: create, switch, rename (logged with old and new values), delete; and the
last-owner rule under concurrency (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from smm import services
from smm.models import ActivityEvent, Membership, Role, Workspace
from tests.factories import UserFactory, WorkspaceFactory, member


def test_create_makes_the_creator_owner_with_defaults(db) -> None:
    user = UserFactory()
    workspace = services.workspace_create(name="  Acme Bikes ", by=user)
    assert workspace.name == "Acme Bikes" and workspace.slug == "acme-bikes"
    assert workspace.timezone == "Europe/Amsterdam"
    assert Membership.objects.get(workspace=workspace, user=user).role == Role.OWNER
    assert ActivityEvent.objects.filter(workspace=workspace, verb="workspace.created").count() == 1


def test_slugs_stay_unique(db) -> None:
    user = UserFactory()
    first = services.workspace_create(name="Acme", by=user)
    second = services.workspace_create(name="Acme", by=user)
    assert first.slug == "acme" and second.slug == "acme-2"


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"name": "   "}, "name"),
        ({"name": "X", "timezone_name": "Nowhere/City"}, "timezone"),
        ({"name": "X", "language": "fr"}, "language"),
    ],
)
def test_create_refuses_bad_input(db, kwargs, field) -> None:
    with pytest.raises(ValidationError) as err:
        services.workspace_create(by=UserFactory(), **kwargs)
    assert field in err.value.message_dict


def test_create_through_the_page_keeps_input_on_error(client, alice) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("smm:workspace_list"), {"name": "", "timezone": "Europe/Paris", "language": "nl"}
    )
    assert response.status_code == 200
    assert b'<option value="Europe/Paris" selected>' in response.content
    response = client.post(
        reverse("smm:workspace_list"),
        {"name": "Client B", "timezone": "Europe/Paris", "language": "nl"},
    )
    created = Workspace.objects.get(name="Client B")
    assert response.url == reverse("smm:workspace_home", args=[created.slug])


def test_switching_remembers_the_current_workspace(client, alice, workspace) -> None:
    second = WorkspaceFactory(name="Second")
    Membership.objects.create(workspace=second, user=alice, role=Role.VIEWER)
    client.force_login(alice)
    assert client.get("/").url == reverse("smm:workspace_list")  # two workspaces, none chosen
    client.get(reverse("smm:workspace_home", args=[second.slug]))
    assert client.get("/").url == reverse("smm:workspace_home", args=[second.slug])
    page = client.get(reverse("smm:workspace_home", args=[second.slug]))
    assert b"Tulip Coffee" in page.content  # listed in the switcher


def test_rename_is_logged_with_old_and_new_values(client, alice, workspace) -> None:
    client.force_login(alice)
    client.post(
        reverse("smm:workspace_settings", args=[workspace.slug]),
        {"name": "Tulip Roasters", "timezone": "Europe/London", "language": "en"},
    )
    workspace.refresh_from_db()
    assert (workspace.name, workspace.timezone) == ("Tulip Roasters", "Europe/London")
    event = ActivityEvent.objects.get(verb="workspace.updated")
    assert event.data == {
        "name": ["Tulip Coffee", "Tulip Roasters"],
        "timezone": ["Europe/Amsterdam", "Europe/London"],
    }
    page = client.get(reverse("smm:activity", args=[workspace.slug]))
    assert b"Tulip Coffee" in page.content and b"Europe/London" in page.content


def test_workspace_pages_show_times_in_the_workspace_time_zone(client, alice, workspace) -> None:
    workspace.timezone = "Asia/Tokyo"
    workspace.save()
    client.force_login(alice)
    response = client.get(reverse("smm:workspace_home", args=[workspace.slug]))
    assert response.context["TIME_ZONE"] == "Asia/Tokyo"


def test_activity_filters(client, alice, bob, workspace) -> None:
    services.workspace_update(workspace=workspace, by=alice, name="Renamed")
    bob_m = Membership.objects.get(user=bob)
    services.membership_change_role(
        membership=bob_m, role=Role.VIEWER, by=Membership.objects.get(user=alice)
    )
    client.force_login(alice)
    url = reverse("smm:activity", args=[workspace.slug])
    members_only = client.get(url, {"area": "members"}).context["page"].events
    assert [e.verb for e in members_only] == ["member.role_changed"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_leaving_at_once_leave_one_owner() -> None:
    workspace = WorkspaceFactory()
    owners = [Membership.objects.get(user=member(workspace, Role.OWNER)) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def leave(membership: Membership) -> None:
        barrier.wait()
        try:
            services.membership_remove(membership=membership, by=membership)
            outcomes.append("left")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=leave, args=(m,)) for m in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(outcomes) == ["left", "refused"]
    assert Membership.objects.filter(workspace=workspace, role=Role.OWNER).count() == 1


def test_activity_pages_walk_the_whole_log_both_ways(alice, workspace) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from smm.selectors import activity_page

    now = timezone.now()
    # 120 events, some sharing a timestamp, so the cursor must break ties by id.
    ActivityEvent.objects.bulk_create(
        [
            ActivityEvent(
                workspace=workspace,
                verb="workspace.updated",
                created_at=now - timedelta(seconds=i // 3),
            )
            for i in range(120)
        ]
    )
    expected = list(
        ActivityEvent.objects.filter(workspace=workspace).order_by("-created_at", "-id")
    )
    seen, pages, cursor = [], [], None
    while True:
        page = activity_page(workspace=workspace, before=cursor, size=50)
        pages.append(page)
        seen += page.events
        if not page.older:
            break
        cursor = page.older
    assert seen == expected and len(pages) == 3
    assert pages[0].newer is None and pages[1].newer is not None
    back = activity_page(workspace=workspace, after=pages[2].newer, size=50)
    assert back.events == pages[1].events
    assert activity_page(workspace=workspace, before="garbage").events == expected[:50]


def test_workspace_list_shows_each_workspaces_member_count_and_my_role(
    client, alice, bob, workspace
) -> None:
    from smm.selectors import workspace_list_for_user

    second = WorkspaceFactory(name="Second")
    Membership.objects.create(workspace=second, user=alice, role=Role.VIEWER)
    rows = {w.name: (w.member_count, w.my_role) for w in workspace_list_for_user(user=alice)}
    assert rows == {"Tulip Coffee": (2, Role.OWNER), "Second": (1, Role.VIEWER)}
    client.force_login(alice)
    page = client.get(reverse("smm:workspace_list")).content.decode()
    assert "<td>Viewer</td>" in page and "<td>2</td>" in page
