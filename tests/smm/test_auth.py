"""Accounts through django-allauth: MFA (TOTP + recovery codes, secrets encrypted at rest),
session revocation, login rate limits per account and per IP, and the admin behind it all."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from smm import crypto
from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def login(client: Client, email: str, password: str = PASSWORD, **extra: str):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def activate_totp(client: Client) -> str:
    """Turn on TOTP through the pages a person uses; returns the secret."""
    response = client.get(reverse("mfa_activate_totp"))
    # Changing 2FA asks for the password again first.
    assert response.status_code == 302 and response.url.startswith(
        reverse("account_reauthenticate")
    )
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302, response.content[:400]
    return secret


def test_totp_secret_is_encrypted_at_rest(client, alice) -> None:
    login(client, alice.email)
    secret = activate_totp(client)
    authenticator = Authenticator.objects.get(user=alice, type=Authenticator.Type.TOTP)
    stored = authenticator.data["secret"]
    assert crypto.is_encrypted(stored) and crypto.decrypt(stored) == secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [authenticator.pk])
        raw = str(cursor.fetchone()[0])
    assert secret not in raw


def test_login_with_totp(client, alice) -> None:
    login(client, alice.email)
    secret = activate_totp(client)
    client.logout()

    response = login(client, alice.email)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # Password alone is not enough: no page of the suite opens yet.
    assert client.get(reverse("smm:workspace_list")).status_code == 302

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and b"Incorrect code" in wrong.content

    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert client.get(reverse("smm:workspace_list")).status_code == 200


def test_login_with_a_recovery_code_uses_it_up(client, alice) -> None:
    login(client, alice.email)
    activate_totp(client)
    # allauth creates recovery codes with the first authenticator; read them as the user would.
    response = client.get(reverse("mfa_view_recovery_codes"))
    codes = response.context["unused_codes"]
    assert len(codes) == 10
    client.logout()

    login(client, alice.email)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.get(reverse("smm:workspace_list")).status_code == 200
    client.logout()

    login(client, alice.email)
    reused = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert reused.status_code == 200  # a recovery code works once


def test_end_other_sessions(alice) -> None:
    laptop, phone = Client(), Client()
    assert login(laptop, alice.email).status_code == 302
    assert login(phone, alice.email).status_code == 302
    assert phone.get(reverse("smm:workspace_list")).status_code == 200

    page = laptop.get(reverse("usersessions_list"))
    assert page.context["session_count"] == 2
    laptop.post(reverse("usersessions_list"))

    assert phone.get(reverse("smm:workspace_list")).status_code == 302  # logged out
    assert laptop.get(reverse("smm:workspace_list")).status_code == 200  # still in


TOO_MANY = b"Too many failed login attempts"


def test_failed_logins_are_limited_per_account(client, alice) -> None:
    for _ in range(5):
        response = login(client, alice.email, "wrong-password")
        assert response.status_code == 200 and TOO_MANY not in response.content
    # Even the right password is refused now, from any address: the account is cooling down.
    blocked = login(Client(REMOTE_ADDR="10.9.9.9"), alice.email)
    assert blocked.status_code == 200 and TOO_MANY in blocked.content
    # Another account from the same address still works.
    other = UserFactory(email="carol@example.com")
    assert login(client, other.email).status_code == 302


def test_failed_logins_are_limited_per_ip(db) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    users = [UserFactory(email=f"target{i}@example.com") for i in range(11)]
    limited = [TOO_MANY in login(attacker, user.email, "wrong").content for user in users]
    assert limited == [False] * 10 + [True]
    # Someone else, from another address, is not affected.
    assert login(Client(REMOTE_ADDR="198.51.100.1"), users[0].email).status_code == 302


def test_admin_sends_anonymous_visitors_through_allauth_login(client, db) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_admin_refuses_non_staff(client, alice) -> None:
    client.force_login(alice)
    assert client.get("/admin/", follow=True).status_code == 403


def test_admin_login_honours_mfa(client, db) -> None:
    staff = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    login(client, staff.email)
    secret = activate_totp(client)
    client.logout()
    login(client, staff.email)
    # Second factor still missing: the admin sends the visitor to the second-factor step.
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].split("?")[0] in (
        reverse("account_login"),
        reverse("mfa_authenticate"),
    )
    assert b"site-name" not in response.content  # not the admin
    client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert client.get("/admin/").status_code == 200


def test_signup_requires_email_verification(client, db, mailoutbox) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("smm:workspace_list")).status_code == 302  # not logged in yet
    assert len(mailoutbox) == 1 and "new@example.com" in mailoutbox[0].to


def test_new_account_starts_in_the_language_it_signed_up_in(client, db) -> None:
    from smm.models import User

    client.post(
        reverse("account_signup"),
        {
            "email": "nl@example.com",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
        },
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert User.objects.get(email="nl@example.com").language == "nl"


def test_password_reset_by_email(client, alice, mailoutbox) -> None:
    client.post(reverse("account_reset_password"), {"email": alice.email})
    (mail,) = mailoutbox
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    client.logout()
    assert login(client, alice.email, "a-brand-new-passphrase").status_code == 302
    assert login(Client(), alice.email, PASSWORD).status_code == 200  # the old one is gone
