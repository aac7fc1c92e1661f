"""django-allauth adapters: account behaviour and encryption of MFA secrets at rest."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest
from django.utils import translation

from smm import crypto

# Set by the invitation page: the address the invitation was sent to. Signing up with that
# address through the link proves ownership of it, so it counts as verified.
INVITED_EMAIL_SESSION_KEY = "smm_invited_email"


class AccountAdapter(DefaultAccountAdapter):
    def is_email_verified(self, request: HttpRequest, email: str) -> bool:
        invited = (
            request.session.get(INVITED_EMAIL_SESSION_KEY) if hasattr(request, "session") else None
        )
        if invited and invited.lower() == email.lower():
            return True
        return super().is_email_verified(request, email)

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        # A new account starts in the language the person was reading the sign-up page in.
        user = super().save_user(request, user, form, commit=False)
        language = translation.get_language() or ""
        if language[:2] in ("en", "nl"):
            user.language = language[:2]
        if commit:
            user.save()
        return user


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted with SMM_ENCRYPTION_KEYS."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)
