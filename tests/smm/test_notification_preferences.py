"""Notification kinds registered by the apps, each person's e-mail choice per kind (in-app
always), the notifications page where the choice is made, and the one e-mail function."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.translation import gettext_lazy

from smm import notifications as notifications_module
from smm.mail import email_send
from smm.models import Notification, NotificationPreference
from smm.notifications import (
    notification_email_preferences,
    notification_kind_get,
    notification_kind_register,
    notification_kinds,
    notification_preferences_update,
    notify,
)

ROOT = Path(__file__).resolve().parents[2]
WELCOME = gettext_lazy("Welcome to %(name)s.")


@pytest.fixture(autouse=True)
def _kinds_restored() -> Iterator[None]:
    """Kinds registered by a test are gone after it (the registry is process-wide)."""
    notification_kinds()  # the apps' kinds are found before the snapshot
    saved = dict(notifications_module._KINDS)
    yield
    notifications_module._KINDS.clear()
    notifications_module._KINDS.update(saved)


def test_apps_register_their_kinds_without_the_kernel_naming_them() -> None:
    keys = {kind.key for kind in notification_kinds()}
    assert {"post.submitted", "post.commented", "post.failed", "channel.needs_reconnect"} <= keys
    kernel = (ROOT / "smm" / "notifications.py").read_text()
    assert not re.search(r"^\s*(from|import) (content|channels_app)\b", kernel, re.M)


def test_every_kind_notified_in_the_code_is_registered() -> None:
    """A literal `kind="x.y"` in a service's notify() call must be a registered kind, so that
    people can choose about it; publishing's f"post.{status}" kinds are checked by name."""
    registered = {kind.key for kind in notification_kinds()}
    used: set[str] = set()
    for app in ("smm", "channels_app", "content"):
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            if "notify" not in text:
                continue
            used |= set(re.findall(r'kind="([a-z_]+\.[a-z_.]+)"', text))
    used |= {"post.failed", "post.needs_attention"}
    missing = used - registered
    assert not missing, f"notify() kinds nobody registered: {sorted(missing)}"


def test_register_replaces_and_refuses_long_keys() -> None:
    kind = notification_kind_register("test.kind", "Test", email_default=False)
    assert notification_kind_get("test.kind") == kind
    with pytest.raises(ValueError):
        notification_kind_register("x" * 65, "Too long")


def test_defaults_then_choices(bob) -> None:
    notification_kind_register("test.quiet", "Quiet", email_default=False)
    prefs = notification_email_preferences(user=bob)
    assert prefs["post.submitted"] is True and prefs["test.quiet"] is False
    notification_preferences_update(user=bob, email={"post.submitted": False, "test.quiet": True})
    notification_preferences_update(user=bob, email={"post.submitted": False})  # idempotent
    prefs = notification_email_preferences(user=bob)
    assert prefs["post.submitted"] is False and prefs["test.quiet"] is True
    assert NotificationPreference.objects.filter(user=bob).count() == 2
    with pytest.raises(ValueError):
        notification_preferences_update(user=bob, email={"no.such_kind": True})


def test_notify_honours_the_email_choice_in_app_always(
    alice, bob, workspace, django_capture_on_commit_callbacks
) -> None:
    notification_preferences_update(user=bob, email={"post.commented": False})
    with django_capture_on_commit_callbacks(execute=True):
        made = notify(
            workspace=workspace,
            recipients=[alice, bob],
            kind="post.commented",
            message=WELCOME,
            params={"name": "X"},
        )
    assert {n.recipient for n in made} == {alice, bob}  # both see it in the app
    assert [m.to for m in mail.outbox] == [[alice.email]]  # only alice by e-mail


def test_a_kind_that_defaults_to_in_app_only_sends_no_mail(
    alice, workspace, django_capture_on_commit_callbacks
) -> None:
    notification_kind_register("test.quiet", "Quiet", email_default=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify(workspace=workspace, recipients=[alice], kind="test.quiet", message="Hi")
    assert Notification.objects.filter(kind="test.quiet").count() == 1
    assert mail.outbox == []


def test_the_page_shows_and_saves_the_choices(client, bob) -> None:
    client.force_login(bob)
    url = reverse("smm:notifications")
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="email-post.submitted"' in page.content
    assert b"A post waits for your approval" in page.content
    # Everything ticked but the comments.
    ticked = {
        f"email-{kind.key}": "on" for kind in notification_kinds() if kind.key != "post.commented"
    }
    response = client.post(url, {"preferences": "1", **ticked}, follow=True)
    assert response.status_code == 200
    assert b"Your e-mail choices are saved." in response.content
    prefs = notification_email_preferences(user=bob)
    assert prefs["post.commented"] is False and prefs["post.submitted"] is True
    assert b'name="email-post.commented" id="id_email-post.commented"' in response.content


def test_saving_choices_does_not_mark_anything_read(client, alice, bob, workspace) -> None:
    notify(workspace=workspace, recipients=[bob], kind="post.commented", message="m", email=False)
    client.force_login(bob)
    client.post(reverse("smm:notifications"), {"preferences": "1"})
    assert Notification.objects.get(recipient=bob).read_at is None
    assert notification_email_preferences(user=bob)["post.commented"] is False


def test_the_page_needs_a_login(client) -> None:
    assert client.post(reverse("smm:notifications"), {"preferences": "1"}).status_code == 302


# smm.mail.email_send ----------------------------------------------------------------------------


def test_email_send_renders_in_the_language_and_waits_for_the_commit(
    workspace, alice, django_capture_on_commit_callbacks
) -> None:
    context = {
        "workspace": workspace,
        "inviter": alice,
        "role": "Editor",
        "url": "https://ripple.example/invite/x/",
        "expires_at": None,
    }
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert email_send(
            to=["new@example.com"],
            subject_template="smm/email/invitation_subject.txt",
            body_template="smm/email/invitation_message.txt",
            context=context,
            language="nl",
        )
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    (sent,) = mail.outbox
    assert sent.to == ["new@example.com"] and "\n" not in sent.subject
    assert "uitgenodigd" in sent.subject.lower()


def test_email_send_without_addresses_sends_nothing(workspace) -> None:
    assert not email_send(
        to=[""],
        subject_template="smm/email/invitation_subject.txt",
        body_template="smm/email/invitation_message.txt",
        context={},
        language="en",
    )
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_email_send_reports_a_failure_outside_a_transaction(settings, caplog) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    assert (
        email_send(
            to=["new@example.com"],
            subject_template="smm/email/notification_subject.txt",
            body_template="smm/email/notification_message.txt",
            context={"notification": None, "workspace": None},
            language="en",
            purpose="a test",
        )
        is False
    )
    assert "a test" in caplog.text
