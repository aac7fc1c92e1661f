"""Secrets at rest: Fernet with rotating keys, the field, and `rotate_encryption_keys`."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from smm import crypto
from smm.crypto import DecryptionError, EncryptedTextField

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_round_trip_and_marker(settings) -> None:
    settings.SMM_ENCRYPTION_KEYS = [OLD]
    stored = crypto.encrypt("page-token-123")
    assert stored.startswith("fernet:") and "page-token-123" not in stored
    assert crypto.decrypt(stored) == "page-token-123"


def test_old_keys_still_decrypt_and_new_key_encrypts(settings) -> None:
    settings.SMM_ENCRYPTION_KEYS = [OLD]
    old_cipher = crypto.encrypt("secret")
    settings.SMM_ENCRYPTION_KEYS = [NEW, OLD]
    assert crypto.decrypt(old_cipher) == "secret"
    settings.SMM_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(DecryptionError):
        crypto.decrypt(old_cipher)
    assert crypto.decrypt(crypto.encrypt("x")) == "x"


def test_rotate_moves_to_the_newest_key(settings) -> None:
    settings.SMM_ENCRYPTION_KEYS = [OLD]
    cipher = crypto.encrypt("secret")
    settings.SMM_ENCRYPTION_KEYS = [NEW, OLD]
    rotated = crypto.rotate(cipher)
    settings.SMM_ENCRYPTION_KEYS = [NEW]
    assert crypto.decrypt(rotated) == "secret"


def test_a_bad_key_is_a_clear_configuration_error(settings) -> None:
    settings.SMM_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="Fernet"):
        crypto.encrypt("x")


def test_field_encrypts_on_the_way_in_and_decrypts_on_the_way_out(settings) -> None:
    settings.SMM_ENCRYPTION_KEYS = [OLD]
    field = EncryptedTextField()
    stored = field.get_prep_value("access-token")
    assert crypto.is_encrypted(stored) and "access-token" not in stored
    assert field.from_db_value(stored, None, None) == "access-token"
    assert field.get_prep_value(None) is None and field.from_db_value("", None, None) == ""


@pytest.mark.django_db
def test_rotation_command_reencrypts_mfa_secrets(settings, alice) -> None:
    settings.SMM_ENCRYPTION_KEYS = [OLD]
    secret = "JBSWY3DPEHPK3PXP"
    authenticator = Authenticator.objects.create(
        user=alice, type=Authenticator.Type.TOTP, data={"secret": crypto.encrypt(secret)}
    )
    settings.SMM_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_encryption_keys")
    settings.SMM_ENCRYPTION_KEYS = [NEW]  # the old key is gone
    authenticator.refresh_from_db()
    assert crypto.decrypt(authenticator.data["secret"]) == secret
