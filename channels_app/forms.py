"""Forms of the channels pages. They only parse input; the services validate the rest."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from channels_app.models import ChannelGuidelines, PostingSlot


class MastodonConnectForm(forms.Form):
    instance = forms.CharField(
        label=_("Mastodon server"),
        max_length=255,
        help_text=_("The server your account is on, for example mastodon.social."),
        widget=forms.TextInput(attrs={"placeholder": "mastodon.social", "autocomplete": "url"}),
    )


class BlueskyConnectForm(forms.Form):
    identifier = forms.CharField(
        label=_("Handle or e-mail"),
        max_length=255,
        widget=forms.TextInput(
            attrs={"placeholder": "yourbrand.bsky.social", "autocomplete": "username"}
        ),
    )
    password = forms.CharField(
        label=_("App password"),
        max_length=255,
        strip=False,
        help_text=_(
            "Create one in Bluesky under Settings → Privacy and security → App passwords, and tick "
            "“Allow access to your direct messages” for the inbox. Never use your main password. "
            "Ripple uses it once to sign in and does not store it."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    service_url = forms.CharField(
        label=_("Hosting provider"),
        max_length=255,
        required=False,
        help_text=_("Leave empty for accounts hosted by Bluesky (bsky.social)."),
        widget=forms.TextInput(attrs={"placeholder": "https://bsky.social"}),
    )


class GuidelinesForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role of the channel"),
        choices=[("", _("Not set")), *ChannelGuidelines.Role.choices],
        required=False,
    )
    audience = forms.CharField(label=_("Audience"), max_length=300, required=False)
    tone_of_voice = forms.CharField(
        label=_("Tone of voice"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "How the brand sounds here, e.g. “warm, informal, no jargon, one emoji at most”."
        ),
    )
    default_hashtags = forms.CharField(
        label=_("Default hashtags"),
        required=False,
        help_text=_("Offered for every post on this channel; separate with spaces."),
    )
    banned_hashtags = forms.CharField(
        label=_("Banned hashtags"),
        required=False,
        help_text=_("The composer warns when a post on this channel uses one."),
    )
    banned_words = forms.CharField(
        label=_("Banned words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Words or phrases the brand never uses here, one per line; the composer warns."
        ),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PostingSlotForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Day"), choices=PostingSlot.Weekday.choices, coerce=int
    )
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))


class PendingChoiceForm(forms.Form):
    accounts = forms.MultipleChoiceField(
        label=_("Accounts to connect"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick at least one account to connect.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["accounts"]).choices = choices
