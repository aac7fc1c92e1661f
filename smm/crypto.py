"""Secrets at rest: Fernet with a list of keys (SMM_ENCRYPTION_KEYS).

The first key encrypts, all keys decrypt.

`EncryptedTextField` stores a value encrypted and hands back plain text in Python; rotate every
stored secret to the newest key with `manage.py rotate_encryption_keys`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

# Every encrypted value carries this marker, so plain text is never mistaken for ciphertext.
PREFIX = "fernet:"


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("SMM_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "SMM_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ) from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.SMM_ENCRYPTION_KEYS))


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(plaintext: str) -> str:
    """Encrypt `plaintext` under the newest key. Returns the marked ciphertext."""
    return PREFIX + fernet().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    """Decrypt a value made by `encrypt`. Raises DecryptionError if no configured key opens it."""
    if not is_encrypted(stored):
        raise DecryptionError("value is not encrypted")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("no configured key decrypts this value") from exc


def rotate(stored: str) -> str:
    """Re-encrypt a stored value under the newest key (a no-op in meaning, new ciphertext)."""
    if not is_encrypted(stored):
        return encrypt(stored)
    try:
        return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError("no configured key decrypts this value") from exc


class EncryptedTextField(models.TextField):
    """A text column that is encrypted in the database and plain in Python.

    Not searchable or orderable in a meaningful way; never shown in admin or API output.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
