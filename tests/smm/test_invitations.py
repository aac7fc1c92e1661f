"""Invitations: e-mailed link, sign up or log in and join, verified address required, expiry,
resend, revoke; member role changes and the last-owner rule."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from smm import services
from smm.models import ActivityEvent, Invitation, Membership, Role
from tests.factories import UserFactory, member


@pytest.fixture
def alice_m(alice, workspace) -> Membership:
    return Membership.objects.get(user=alice, workspace=workspace)


def invite(workspace, by: Membership, email: str = "new@example.com", role: str = Role.EDITOR):
    return services.invitation_create(workspace=workspace, email=email, role=role, by=by)


def link_path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


# The mail goes after the commit: these tests commit for real, as a request does.
@pytest.mark.django_db(transaction=True)
def test_invitation_email_carries_a_working_link(workspace, alice_m, mailoutbox) -> None:
    sent = invite(workspace, alice_m)
    assert sent.email_sent
    (mail,) = mailoutbox
    assert mail.to == ["new@example.com"]
    assert "Tulip Coffee" in mail.subject
    assert sent.url in mail.body
    # Only a hash of the token is stored.
    token = sent.url.rstrip("/").rsplit("/", 1)[1]
    assert token not in sent.invitation.token_hash
    assert Invitation.objects.get(pk=sent.invitation.pk).token_hash == Invitation.hash_token(token)


# The mail goes after the commit: these tests commit for real, as a request does.
@pytest.mark.django_db(transaction=True)
def test_invitation_mail_speaks_the_workspace_language(workspace, alice_m, mailoutbox) -> None:
    workspace.language = "nl"
    workspace.save()
    invite(workspace, alice_m)
    subject, body = mailoutbox[0].subject, mailoutbox[0].body
    assert "uitgenodigd" in subject.lower(), subject
    assert "You are invited" not in subject and "Open this link" not in body


# The mail goes after the commit: these tests commit for real, as a request does.
@pytest.mark.django_db(transaction=True)
def test_new_person_signs_up_from_the_link_and_joins(
    client, workspace, alice_m, mailoutbox
) -> None:
    sent = invite(workspace, alice_m, role=Role.CONTRIBUTOR)
    path = link_path(sent.url)
    page = client.get(path)
    assert page.status_code == 200 and b"Sign up" in page.content
    response = client.post(
        reverse("account_signup") + f"?next={path}",
        {
            "email": "new@example.com",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
        },
    )
    # Signing up with the invited address from the link needs no second verification mail.
    assert response.status_code == 302 and response.url == path
    assert len(mailoutbox) == 1
    response = client.post(path)
    assert response.status_code == 302
    assert response.url == reverse("smm:workspace_home", args=[workspace.slug])
    membership = Membership.objects.get(workspace=workspace, user__email="new@example.com")
    assert membership.role == Role.CONTRIBUTOR
    assert ActivityEvent.objects.filter(workspace=workspace, verb="member.joined").exists()
    # The link is used up.
    assert client.get(path).status_code == 410


def test_existing_user_logs_in_and_joins(client, workspace, alice_m) -> None:
    carol = UserFactory(email="carol@example.com")
    sent = invite(workspace, alice_m, email="carol@example.com", role=Role.VIEWER)
    client.force_login(carol)
    response = client.post(link_path(sent.url))
    assert response.status_code == 302
    assert Membership.objects.get(workspace=workspace, user=carol).role == Role.VIEWER


def test_forwarded_link_does_not_let_someone_else_join(client, workspace, alice_m) -> None:
    sent = invite(workspace, alice_m, email="carol@example.com")
    eve = UserFactory(email="eve@example.com")
    client.force_login(eve)
    response = client.post(link_path(sent.url))
    assert response.status_code == 200
    assert b"carol@example.com" in response.content
    assert not Membership.objects.filter(workspace=workspace, user=eve).exists()


def test_unverified_address_is_not_enough(client, workspace, alice_m) -> None:
    from allauth.account.models import EmailAddress

    carol = UserFactory(email="carol@example.com")
    EmailAddress.objects.filter(user=carol).update(verified=False)
    sent = invite(workspace, alice_m, email="carol@example.com")
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=sent.invitation, user=carol)


# The mail goes after the commit: these tests commit for real, as a request does.
@pytest.mark.django_db(transaction=True)
def test_expired_invitation_is_refused_and_can_be_resent(
    client, workspace, alice_m, mailoutbox
) -> None:
    sent = invite(workspace, alice_m, email="carol@example.com")
    carol = UserFactory(email="carol@example.com")
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert client.get(link_path(sent.url)).status_code == 410
        with pytest.raises(ValidationError):
            services.invitation_accept(invitation=sent.invitation, user=carol)
        resent = services.invitation_resend(invitation=sent.invitation, by=alice_m)
        assert resent.url != sent.url
        # The old link is dead, the new one works.
        assert client.get(link_path(sent.url)).status_code == 404
        services.invitation_accept(invitation=resent.invitation, user=carol)
    assert len(mailoutbox) == 2


def test_revoked_invitation_is_refused(client, workspace, alice_m) -> None:
    sent = invite(workspace, alice_m)
    services.invitation_revoke(invitation=sent.invitation, by=alice_m)
    assert client.get(link_path(sent.url)).status_code == 410


def test_cannot_invite_a_member_twice_or_an_address_with_an_open_invitation(
    workspace, alice_m, bob
) -> None:
    with pytest.raises(ValidationError, match="already a member"):
        invite(workspace, alice_m, email="BOB@example.com")
    invite(workspace, alice_m, email="new@example.com")
    with pytest.raises(ValidationError, match="open invitation"):
        invite(workspace, alice_m, email="new@example.com")


# The mail goes after the commit: these tests commit for real, as a request does.
@pytest.mark.django_db(transaction=True)
def test_failed_email_keeps_the_invitation_and_says_so(client, alice, workspace, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    client.force_login(alice)
    response = client.post(
        reverse("smm:member_list", args=[workspace.slug]),
        {"email": "new@example.com", "role": Role.EDITOR},
        follow=True,
    )
    assert Invitation.objects.filter(email="new@example.com").exists()
    assert b"could not be sent" in response.content
    assert b"/invite/" in response.content  # the one-time link to share by hand


# The mail goes after the commit: these tests commit for real, as a request does.
@pytest.mark.django_db(transaction=True)
def test_invite_through_the_team_page(client, alice, workspace, mailoutbox) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("smm:member_list", args=[workspace.slug]),
        {"email": "new@example.com", "role": Role.EDITOR},
        follow=True,
    )
    assert b"Invitation sent to new@example.com" in response.content
    assert len(mailoutbox) == 1
    # Shown once, then gone.
    assert b'id="invite-url"' in response.content
    again = client.get(reverse("smm:member_list", args=[workspace.slug]))
    assert b'id="invite-url"' not in again.content


def test_invalid_invite_keeps_what_was_typed(client, alice, workspace) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("smm:member_list", args=[workspace.slug]),
        {"email": "not-an-address", "role": Role.EDITOR},
    )
    assert response.status_code == 200
    assert b'value="not-an-address"' in response.content
    assert b"Enter a valid email address" in response.content


def test_last_owner_can_neither_leave_nor_be_demoted(workspace, alice_m) -> None:
    with pytest.raises(ValidationError, match="at least one owner"):
        services.membership_remove(membership=alice_m, by=alice_m)
    with pytest.raises(ValidationError, match="at least one owner"):
        services.membership_change_role(membership=alice_m, role=Role.ADMIN, by=alice_m)
    assert Membership.objects.get(pk=alice_m.pk).role == Role.OWNER


def test_second_owner_lets_the_first_step_down(workspace, alice_m) -> None:
    carol = member(workspace, Role.OWNER, email="carol@example.com")
    services.membership_change_role(membership=alice_m, role=Role.ADMIN, by=alice_m)
    carol_m = Membership.objects.get(user=carol)
    with pytest.raises(ValidationError):
        services.membership_remove(membership=carol_m, by=carol_m)


def test_admin_cannot_touch_owners_or_grant_ownership(workspace, alice_m) -> None:
    admin_user = member(workspace, Role.ADMIN, email="adam@example.com")
    admin_m = Membership.objects.get(user=admin_user)
    with pytest.raises(ValidationError):
        services.membership_change_role(membership=alice_m, role=Role.VIEWER, by=admin_m)
    with pytest.raises(ValidationError):
        services.membership_remove(membership=alice_m, by=admin_m)
    with pytest.raises(ValidationError):
        invite(workspace, admin_m, role=Role.OWNER)
    viewer = Membership.objects.get(user=member(workspace, Role.VIEWER))
    with pytest.raises(ValidationError):
        services.membership_change_role(membership=viewer, role=Role.OWNER, by=admin_m)
    services.membership_change_role(membership=viewer, role=Role.EDITOR, by=admin_m)


def test_role_change_and_removal_are_logged(client, alice, bob, workspace) -> None:
    client.force_login(alice)
    bob_m = Membership.objects.get(user=bob)
    client.post(reverse("smm:member_role", args=[workspace.slug, bob_m.pk]), {"role": Role.VIEWER})
    client.post(reverse("smm:member_remove", args=[workspace.slug, bob_m.pk]))
    verbs = list(ActivityEvent.objects.filter(workspace=workspace).values_list("verb", "data"))
    assert ("member.role_changed", {"role": ["editor", "viewer"]}) in verbs
    assert ("member.removed", {"role": "viewer"}) in verbs
    page = client.get(reverse("smm:activity", args=[workspace.slug]))
    assert b"changed the role of bob@example.com from Editor to Viewer" in page.content


def test_a_member_can_leave(client, bob, alice, workspace) -> None:
    client.force_login(bob)
    bob_m = Membership.objects.get(user=bob)
    response = client.post(reverse("smm:member_remove", args=[workspace.slug, bob_m.pk]))
    assert response.url == reverse("smm:workspace_list")
    assert not Membership.objects.filter(pk=bob_m.pk).exists()
    assert client.get(reverse("smm:workspace_home", args=[workspace.slug])).status_code == 404


def test_invitation_link_prefills_the_address_on_sign_up(client, workspace, alice_m) -> None:
    sent = invite(workspace, alice_m, email="new.person@example.com")
    page = client.get(link_path(sent.url))
    assert b"email=new.person%40example.com" in page.content
    signup = client.get(reverse("account_signup") + "?email=new.person%40example.com")
    assert b'value="new.person@example.com"' in signup.content


# The mail goes after the commit: these tests commit for real, as a request does.
@pytest.mark.django_db(transaction=True)
def test_invitation_expiry_in_the_mail_is_utc(workspace, alice_m, mailoutbox) -> None:
    from django.utils import timezone as tz

    workspace.timezone = "Asia/Tokyo"  # far from UTC, so a local time would show
    workspace.save()
    tz.activate("Asia/Tokyo")
    try:
        sent = invite(workspace, alice_m)
    finally:
        tz.deactivate()
    from datetime import UTC

    from django.utils.dateformat import format as date_format

    at = sent.invitation.expires_at
    utc_time = date_format(at.astimezone(UTC), "P")
    tokyo_time = date_format(tz.localtime(at, tz.get_fixed_timezone(9 * 60)), "P")
    body = mailoutbox[0].body
    assert f"{utc_time} (UTC)" in body, body
    assert tokyo_time not in body
