"""Forms of the content area: the composer (master text, channels, per-channel variants, media,
planning), the post list's filters, comments, scheduling a saved post.

The composer's HTML form is flat. Per channel `<cid>`, a variant field `v<cid>-<name>` counts
only when `v<cid>-<name>-custom` is "1" (otherwise the channel inherits the master value); its
own media list `v<cid>-media` counts only when `v<cid>-media-custom` is "1". Media values are
"<asset id>:<fit>", in order.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from channels_app.models import Channel
from content.models import Fit, Post, RecurrenceUnit
from content.services.checks import MediaChoice, PostInput, VariantInput

VARIANT_FIELDS = ("text", "title", "link", "first_comment")
MAX_MEDIA_VALUES = 40  # more than any post takes; the service says how many are allowed


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_widget() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def parse_media(values: list[str]) -> list[MediaChoice]:
    """ "<id>:<fit>" values as MediaChoice, in order; malformed values and repeats are skipped
    (the picker never sends them), an unknown fit becomes crop."""
    choices: list[MediaChoice] = []
    seen: set[int] = set()
    for value in values[:MAX_MEDIA_VALUES]:
        raw_id, _sep, fit = str(value).partition(":")
        try:
            asset_id = int(raw_id)
        except ValueError:
            continue
        if asset_id in seen or asset_id <= 0:
            continue
        seen.add(asset_id)
        choices.append(MediaChoice(asset_id, fit if fit in Fit.values else Fit.CROP))
    return choices


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def variants_from_data(data: QueryDict, channel_ids: list[int]) -> dict[int, VariantInput]:
    """The customised fields of each channel in `channel_ids`, as typed (no validation)."""
    variants: dict[int, VariantInput] = {}
    for cid in channel_ids:
        prefix = f"v{cid}-"
        variant = VariantInput()
        for name in VARIANT_FIELDS:
            if data.get(f"{prefix}{name}-custom") == "1":
                setattr(variant, name, data.get(f"{prefix}{name}", ""))
        if data.get(f"{prefix}media-custom") == "1":
            variant.media = parse_media(data.getlist(f"{prefix}media"))
        if any(getattr(variant, name) is not None for name in (*VARIANT_FIELDS, "media")):
            variants[cid] = variant
    return variants


def raw_input(data: QueryDict) -> PostInput:
    """The content of a composer POST as typed, without validation: to show it again after an
    error, so nothing typed is lost. Planning fields are left to the bound form's widgets."""
    channel_ids = list(
        dict.fromkeys(pk for pk in (_int_or_none(v) for v in data.getlist("channels")) if pk)
    )
    return PostInput(
        text=data.get("text", ""),
        title=data.get("title", ""),
        link=data.get("link", ""),
        first_comment=data.get("first_comment", ""),
        channel_ids=channel_ids,
        variants=variants_from_data(data, channel_ids),
        media=parse_media(data.getlist("media")),
        campaign_id=_int_or_none(data.get("campaign")),
        shorten_links=data.get("shorten_links") in ("on", "1", "true"),
    )


class ComposerForm(forms.Form):
    """The composer. `post_input` (after is_valid) is the PostInput for the services; the
    workspace's time zone turns the date and time fields into an aware datetime."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    text = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=300)
    link = forms.URLField(label=_("Link"), required=False, max_length=2000, assume_scheme="https")
    first_comment = forms.CharField(
        label=_("First comment"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    channels = forms.TypedMultipleChoiceField(
        label=_("Channels"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    campaign = forms.TypedChoiceField(
        label=_("Campaign"), required=False, coerce=int, empty_value=None
    )
    shorten_links = forms.BooleanField(
        label=_("Track links"),
        required=False,
        help_text=_("Links go out as short links with UTM parameters; clicks are counted."),
    )
    publish_date = forms.DateField(label=_("Date"), required=False, widget=_date_widget())
    publish_time = forms.TimeField(label=_("Time"), required=False, widget=_time_widget())
    repeat_every = forms.IntegerField(
        label=_("Repeat every"),
        required=False,
        min_value=1,
        max_value=365,
        widget=forms.NumberInput(attrs={"min": 1, "max": 365, "inputmode": "numeric"}),
    )
    repeat_unit = forms.ChoiceField(label=_("Unit"), required=False, choices=RecurrenceUnit.choices)
    repeat_until = forms.DateField(label=_("until"), required=False, widget=_date_widget())

    def __init__(
        self,
        *args: Any,
        channels: list[Channel],
        campaigns: list[Any],
        tz_name: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tz = ZoneInfo(tz_name)
        self.channel_labels = {c.pk: f"{c.get_platform_display()} {c.handle}" for c in channels}
        self.fields["channels"].choices = [(c.pk, str(c)) for c in channels]  # type: ignore[attr-defined]
        self.fields["campaign"].choices = [  # type: ignore[attr-defined]
            ("", _("No campaign")),
            *[(c.pk, c.name) for c in campaigns],
        ]
        self.post_input: PostInput | None = None

    @classmethod
    def initial_for(cls, post: Post | None, data: PostInput | None, tz_name: str) -> dict:
        """The unbound form's initial values: from a saved post, or a new post's defaults."""
        if data is None:
            return {"repeat_unit": RecurrenceUnit.WEEK}
        initial: dict[str, Any] = {
            "version": post.version if post is not None else None,
            "text": data.text,
            "title": data.title,
            "link": data.link,
            "first_comment": data.first_comment,
            "channels": data.channel_ids,
            "campaign": data.campaign_id,
            "shorten_links": data.shorten_links,
            "repeat_every": data.repeat_every,
            "repeat_unit": data.repeat_unit or RecurrenceUnit.WEEK,
            "repeat_until": data.repeat_until,
        }
        if data.scheduled_at is not None:
            local = data.scheduled_at.astimezone(ZoneInfo(tz_name))
            initial["publish_date"] = local.date()
            initial["publish_time"] = local.time().replace(second=0, microsecond=0)
        return initial

    def clean_link(self) -> str:
        return self.cleaned_data.get("link") or ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        when: datetime | None = None
        day: date | None = cleaned.get("publish_date")
        at: time | None = cleaned.get("publish_time")
        if day is not None and at is None and not self.has_error("publish_time"):
            self.add_error("publish_time", _("Pick a time too."))
        elif at is not None and day is None and not self.has_error("publish_date"):
            self.add_error("publish_date", _("Pick a date too."))
        elif day is not None and at is not None:
            when = datetime.combine(day, at, tzinfo=self.tz)
        every = cleaned.get("repeat_every")
        if every and not cleaned.get("repeat_until") and not self.has_error("repeat_until"):
            self.add_error("repeat_until", _("Say until when the post repeats."))
        channel_ids = list(dict.fromkeys(cleaned.get("channels") or []))
        variants = variants_from_data(self.data, channel_ids)  # type: ignore[arg-type]
        url_field = forms.URLField(max_length=2000, assume_scheme="https")
        for cid, variant in variants.items():
            if variant.link:
                try:
                    variant.link = url_field.clean(variant.link)
                except ValidationError as exc:
                    self.add_error(
                        None,
                        _("Link for %(channel)s: %(error)s")
                        % {"channel": self.channel_labels.get(cid, cid), "error": exc.messages[0]},
                    )
        if self.errors:
            return cleaned
        self.post_input = PostInput(
            text=cleaned.get("text") or "",
            title=cleaned.get("title") or "",
            link=cleaned.get("link") or "",
            first_comment=cleaned.get("first_comment") or "",
            channel_ids=channel_ids,
            variants=variants,
            media=parse_media(self.data.getlist("media")),  # type: ignore[attr-defined]
            campaign_id=cleaned.get("campaign"),
            shorten_links=bool(cleaned.get("shorten_links")),
            scheduled_at=when,
            repeat_every=every or None,
            repeat_unit=(cleaned.get("repeat_unit") or RecurrenceUnit.WEEK) if every else "",
            repeat_until=cleaned.get("repeat_until") if every else None,
        )
        return cleaned

    def error_list(self) -> list[str]:
        """Every error as "Label: message", for JSON answers and the status line."""
        lines = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            lines += [f"{label}: {e}" if label else str(e) for e in errors]
        return lines


class PostFilterForm(forms.Form):
    """The post list's filters (GET)."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    channel = forms.TypedChoiceField(
        label=_("Channel"), required=False, coerce=int, empty_value=None
    )
    campaign = forms.TypedChoiceField(
        label=_("Campaign"), required=False, coerce=int, empty_value=None
    )
    author = forms.TypedChoiceField(label=_("Author"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def __init__(
        self,
        *args: Any,
        channels: list[Channel],
        campaigns: list[Any],
        authors: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *Post.Status.choices]  # type: ignore[attr-defined]
        self.fields["channel"].choices = [  # type: ignore[attr-defined]
            ("", _("All channels")),
            *[(c.pk, f"{c.get_platform_display()} {c.handle or c.display_name}") for c in channels],
        ]
        self.fields["campaign"].choices = [  # type: ignore[attr-defined]
            ("", _("All campaigns")),
            *[(c.pk, c.name) for c in campaigns],
        ]
        self.fields["author"].choices = [  # type: ignore[attr-defined]
            ("", _("Everyone")),
            *[(u.pk, u.display_name) for u in authors],
        ]
        self.fields["q"].widget.attrs["placeholder"] = _("Search text…")


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Write a note for the team…")}),
    )


class ScheduleForm(forms.Form):
    """Schedule a saved post: at its planned time, or at the date and time given here."""

    publish_date = forms.DateField(label=_("Date"), required=False, widget=_date_widget())
    publish_time = forms.TimeField(label=_("Time"), required=False, widget=_time_widget())

    def __init__(self, *args: Any, tz_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = ZoneInfo(tz_name)

    def at(self) -> datetime | None:
        day = self.cleaned_data.get("publish_date")
        at = self.cleaned_data.get("publish_time")
        if day is None or at is None:
            return None
        return datetime.combine(day, at, tzinfo=self.tz)
