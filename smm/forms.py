"""Forms of the kernel's pages, and `form_add_service_errors`, which every app's views use to
show a service's refusal on the form that was submitted."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from smm.models import Role
from smm.notifications import NotificationKind


def form_add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on `form`, so the page shows it next to the input.

    Errors keyed by a field the form has go on that field; the rest (and errors without a
    field) become the form's non-field errors. Side effect: `form.errors` grows; nothing else.
    """
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _timezone_choices() -> list[tuple[str, str]]:
    return [
        (tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz
    ]


class WorkspaceForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("The brand or client this workspace is for.")
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_timezone_choices,
        initial=settings.SMM_DEFAULT_WORKSPACE_TIMEZONE,
        help_text=_("Schedules and reports use this time zone."),
    )
    language = forms.ChoiceField(
        label=_("Content language"),
        choices=settings.LANGUAGES,
        initial="en",
        help_text=_("The language of the workspace's posts and of its e-mails to invitees."),
    )


class WorkspaceDeleteForm(forms.Form):
    confirm_name = forms.CharField(label=_("Type the workspace's name to confirm"), max_length=100)


def _role_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Role.choices]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=_role_choices, initial=Role.EDITOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=_role_choices)


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Same as my browser")), *settings.LANGUAGES],
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What will use this token, e.g. “BI export”.")
    )
    read_only = forms.BooleanField(label=_("Read only"), required=False)
    expires_at = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a token that does not expire."),
    )


class NotificationPreferencesForm(forms.Form):
    """One checkbox per registered notification kind: also send it by e-mail.

    Fields are named after the kinds' keys (`post.submitted`); `cleaned_email()` gives the
    choice per key, as `notification_preferences_update` takes it."""

    def __init__(
        self,
        *args: object,
        kinds: list[NotificationKind],
        initial_email: dict[str, bool],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind in kinds:
            self.fields[kind.key] = forms.BooleanField(
                label=str(kind.label), required=False, initial=initial_email.get(kind.key, False)
            )

    def cleaned_email(self) -> dict[str, bool]:
        return {key: bool(value) for key, value in self.cleaned_data.items()}
