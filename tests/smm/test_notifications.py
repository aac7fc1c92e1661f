"""Notifications: written in each recipient's language, e-mailed after the commit with an
absolute link, listed newest first, opened (and marked read) only by their recipient, and the
unread badge in the header; plus the API."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy

from smm.models import Notification, Role
from smm.notifications import notification_unread_count, notify
from tests.factories import member

# Translated in locale/nl already, so the test does not wait for new Dutch strings.
WELCOME = gettext_lazy("Welcome to %(name)s.")


@pytest.fixture
def dutch_viewer(workspace):
    return member(workspace, Role.VIEWER, email="daan@example.com", language="nl")


def test_message_is_rendered_in_each_recipients_language(alice, bob, dutch_viewer, workspace):
    bob.language = "en"
    bob.save(update_fields=["language"])
    made = notify(
        workspace=workspace,
        recipients=[bob, dutch_viewer],
        kind="test.welcome",
        message=WELCOME,
        params={"name": workspace.name},
        url="/w/tulip-coffee/",
        actor=alice,
        email=False,
    )
    by_email = {n.recipient.email: n.message for n in made}
    assert by_email == {
        "bob@example.com": "Welcome to Tulip Coffee.",
        "daan@example.com": "Welkom bij Tulip Coffee.",
    }
    assert all(n.actor_label == "Alice Owner" for n in made)


def test_without_a_personal_language_the_workspace_language_is_used(bob, workspace):
    workspace.language = "nl"
    workspace.save(update_fields=["language"])
    (made,) = notify(
        workspace=workspace,
        recipients=[bob],
        kind="test.welcome",
        message=WELCOME,
        params={"name": "X"},
        email=False,
    )
    assert made.message == "Welkom bij X."


def test_actor_excluded_and_duplicates_are_skipped(alice, bob, dutch_viewer, workspace):
    made = notify(
        workspace=workspace,
        recipients=[alice, bob, bob, dutch_viewer],
        kind="test",
        message="Hello",
        actor=alice,
        exclude=[dutch_viewer],
        email=False,
    )
    assert [n.recipient for n in made] == [bob]
    assert Notification.objects.count() == 1


def test_email_goes_out_after_commit_in_the_recipients_language(
    alice, dutch_viewer, workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(
            workspace=workspace,
            recipients=[dutch_viewer],
            kind="test.welcome",
            message=WELCOME,
            params={"name": workspace.name},
            url="/w/tulip-coffee/",
            actor=alice,
        )
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    (sent,) = mail.outbox
    assert sent.to == ["daan@example.com"]
    assert "Welkom bij Tulip Coffee." in sent.subject
    assert "\n" not in sent.subject
    assert "http://testserver/w/tulip-coffee/" in sent.body
    assert "http://testserver/account/notifications/" in sent.body
    assert "Alice Owner" in sent.body


def test_no_email_when_the_transaction_rolls_back(
    bob, workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(workspace=workspace, recipients=[bob], kind="t", message="Hi")
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not Notification.objects.exists()


def _notify(user, workspace, text="Something happened", url="/w/tulip-coffee/"):
    (n,) = notify(
        workspace=workspace, recipients=[user], kind="t", message=text, url=url, email=False
    )
    return n


def test_page_lists_newest_first_with_unread_highlighted(client, bob, workspace):
    older = _notify(bob, workspace, "Older news")
    newer = _notify(bob, workspace, "Newer news")
    Notification.objects.filter(pk=older.pk).update(read_at=older.created_at)
    client.force_login(bob)
    page = client.get(reverse("smm:notifications")).content.decode()
    assert page.index("Newer news") < page.index("Older news")
    assert f'class="notification unread" id="notification-{newer.pk}"' in page
    assert f'class="notification" id="notification-{older.pk}"' in page
    assert 'class="badge unread-count">1<' in page  # the header's badge


def test_opening_marks_read_and_redirects(
    client, bob, workspace, django_capture_on_commit_callbacks
):
    n = _notify(bob, workspace)
    client.force_login(bob)
    assert notification_unread_count(user=bob) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("smm:notification_open", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/w/tulip-coffee/"
    n.refresh_from_db()
    assert n.read_at is not None
    assert notification_unread_count(user=bob) == 0


def test_foreign_urls_are_not_followed(client, bob, workspace):
    n = _notify(bob, workspace, url="https://evil.example/phish")
    client.force_login(bob)
    response = client.post(reverse("smm:notification_open", args=[n.pk]))
    assert response["Location"] == reverse("smm:notifications")


def test_another_users_notification_is_404(client, alice, bob, mallory, workspace):
    n = _notify(bob, workspace)
    for intruder in (alice, mallory):  # same workspace or not: it is bob's
        client.force_login(intruder)
        assert client.get(reverse("smm:notification_open", args=[n.pk])).status_code == 404
        assert client.post(reverse("smm:notification_open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read(client, alice, bob, workspace, django_capture_on_commit_callbacks):
    _notify(bob, workspace)
    _notify(bob, workspace)
    theirs = _notify(alice, workspace)
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("smm:notifications"), follow=True)
    assert "All notifications are marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=bob, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_badge_count_is_refreshed_after_new_notifications(
    client, bob, workspace, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    assert notification_unread_count(user=bob) == 0  # cached as 0
    with django_capture_on_commit_callbacks(execute=True):
        _notify(bob, workspace)
    assert notification_unread_count(user=bob) == 1


def test_notifications_page_query_count(client, bob, workspace, django_assert_num_queries):
    for i in range(10):
        _notify(bob, workspace, f"News {i}")
    client.force_login(bob)
    client.get(reverse("smm:notifications"))  # the first request of a session records it
    # session, user, usersession read + its user + last-seen update (2 savepoints): 7;
    # paginator count, workspace switcher, page of notifications with their workspace: 10,
    # the user's e-mail choices per kind: 11; the same for 10 or 50 rows (the unread count
    # comes from the cache).
    with django_assert_num_queries(11):
        response = client.get(reverse("smm:notifications"))
    assert response.content.decode().count('id="notification-') == 10


def test_api_lists_and_marks_read(
    client, bob, alice, workspace, django_capture_on_commit_callbacks
):
    first = _notify(bob, workspace, "First")
    second = _notify(bob, workspace, "Second")
    _notify(alice, workspace, "Not for bob")
    client.force_login(bob)
    body = client.get(reverse("api:notification_list")).json()
    assert body["count"] == 2
    assert [r["message"] for r in body["results"]] == ["Second", "First"]
    assert body["results"][0]["workspace"] == "tulip-coffee"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:notification_read"),
            {"ids": [first.pk]},
            content_type="application/json",
        )
    assert response.json() == {"marked_read": 1, "unread": 1}
    unread = client.get(reverse("api:notification_list") + "?unread=1").json()
    assert [r["id"] for r in unread["results"]] == [second.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:notification_read"), {}, content_type="application/json"
        )
    assert response.json() == {"marked_read": 1, "unread": 0}
