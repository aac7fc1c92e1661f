"""Serializers of the content API: a post as typed (input, turned into a PostInput) and a post as
stored, with its per-channel targets and its check (output).

Plain `Serializer`s only: they parse and render; services write (never `.save()` here).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from channels_app.models import Channel, Platform
from content.models import Fit, Post, PostMedia, PostTarget, RecurrenceUnit
from content.services.checks import MediaChoice, PostInput, VariantInput
from smm.api_errors import ApiErrorOutput

# Input -----------------------------------------------------------------------------------------


class MediaChoiceInput(serializers.Serializer):
    class Meta:
        ref_name = "PostMediaChoiceInput"

    id = serializers.IntegerField(help_text="Id of a media file of this workspace")
    fit = serializers.ChoiceField(
        choices=Fit.choices,
        default=Fit.CROP,
        help_text="How the file is fitted to each channel's sizes: crop (around the focal "
        "point) or pad",
    )


class VariantWriteInput(serializers.Serializer):
    """One channel's own values. A field left out (or null) inherits the post's value; an empty
    string is a deliberate empty value."""

    class Meta:
        ref_name = "PostVariantInput"

    text = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False
    )
    title = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=300)
    link = serializers.URLField(required=False, allow_null=True, allow_blank=True, max_length=2000)
    first_comment = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False
    )
    media = MediaChoiceInput(
        many=True,
        required=False,
        allow_null=True,
        help_text="This channel's own media list; null: the post's media",
    )


class RepeatInput(serializers.Serializer):
    class Meta:
        ref_name = "PostRepeatInput"

    every = serializers.IntegerField(min_value=1, max_value=365)
    unit = serializers.ChoiceField(choices=RecurrenceUnit.choices)
    until = serializers.DateField(help_text="Last day a copy is published (inclusive)")


class PostWriteInput(serializers.Serializer):
    """A post as typed. On create, a field left out takes its empty default; on update (PATCH),
    a field left out keeps its stored value."""

    class Meta:
        ref_name = "PostWriteInput"

    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=300)
    link = serializers.URLField(required=False, allow_blank=True, max_length=2000)
    first_comment = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    channels = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=100,
        help_text="Ids of the channels the post goes to (replaces the list on update)",
    )
    variants = serializers.DictField(
        child=VariantWriteInput(allow_null=True),
        required=False,
        help_text="Per channel id: what differs on that channel. On update, the fields sent "
        "are merged into the channel's variant; null resets the channel to the post's values.",
    )
    media = MediaChoiceInput(
        many=True, required=False, help_text="The post's media, in order (replaces on update)"
    )
    campaign = serializers.IntegerField(required=False, allow_null=True, help_text="Campaign id")
    shorten_links = serializers.BooleanField(
        required=False, help_text="Replace links by tracked short links when publishing"
    )
    scheduled_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Planned publish time. Saving never schedules: use the schedule endpoint "
        "(a scheduled post is moved to this time).",
    )
    repeat = RepeatInput(
        required=False, allow_null=True, help_text="Repeat the post; null: it does not repeat"
    )

    def validate_variants(self, value: dict[str, Any]) -> dict[int, Any]:
        variants: dict[int, Any] = {}
        for key, variant in value.items():
            try:
                channel_id = int(key)
            except (TypeError, ValueError):
                raise serializers.ValidationError(
                    _("Variants are keyed by channel id; “%(key)s” is not one.") % {"key": key}
                ) from None
            variants[channel_id] = variant
        return variants


def _media(choices: list[Mapping[str, Any]]) -> list[MediaChoice]:
    return [MediaChoice(int(choice["id"]), choice["fit"]) for choice in choices]


def post_input(data: Mapping[str, Any], base: PostInput | None = None) -> PostInput:
    """Validated `PostWriteInput` data applied over `base` (default: an empty post).

    Fields left out keep `base`'s values. A variant merges field by field into the channel's
    current variant (null fields inherit again); a variant sent as null inherits everything.
    When `channels` is sent, stored variants of channels no longer in the list are dropped
    (variants *sent* for such channels stay, so the service can refuse them).
    """
    result = copy.deepcopy(base) if base is not None else PostInput()
    for name in ("text", "title", "link", "first_comment", "shorten_links", "scheduled_at"):
        if name in data:
            setattr(result, name, data[name])
    if "campaign" in data:
        result.campaign_id = data["campaign"]
    if "media" in data:
        result.media = _media(data["media"])
    if "repeat" in data:
        repeat = data["repeat"]
        result.repeat_every = repeat["every"] if repeat else None
        result.repeat_unit = repeat["unit"] if repeat else ""
        result.repeat_until = repeat["until"] if repeat else None
    if "channels" in data:
        result.channel_ids = list(dict.fromkeys(data["channels"]))
        result.variants = {
            pk: v for pk, v in result.variants.items() if pk in set(result.channel_ids)
        }
    for channel_id, sent in (data.get("variants") or {}).items():
        if sent is None:
            result.variants.pop(channel_id, None)
            continue
        variant = result.variants.get(channel_id) or VariantInput()
        for name in ("text", "title", "link", "first_comment"):
            if name in sent:
                setattr(variant, name, sent[name])
        if "media" in sent:
            variant.media = None if sent["media"] is None else _media(sent["media"])
        result.variants[channel_id] = variant
    return result


# Output: the check ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Issue parameters as JSON: lazy translations become text, tuples lists."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


class PostIssueOutput(serializers.Serializer):
    code = serializers.CharField(
        help_text="Stable code, e.g. text_too_long, image_aspect_ratio, no_channels"
    )
    field = serializers.CharField(help_text='Where: "text", "title", "link", "media[0]", …')
    message = serializers.CharField(help_text="Plain-language explanation, in your language")
    severity = serializers.CharField(help_text='"error" (blocks scheduling) or "warning"')
    params = serializers.SerializerMethodField(help_text="The numbers behind the message")

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_params(self, issue: Any) -> dict[str, Any]:
        return _plain(issue.params)


class PostNoteOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class PostTargetCheckOutput(serializers.Serializer):
    channel = serializers.IntegerField(source="channel.pk", help_text="Channel id")
    platform = serializers.CharField(source="spec.kind")
    handle = serializers.CharField(source="channel.handle")
    text = serializers.CharField(help_text="The text as it will go out on this channel")
    count = serializers.IntegerField(help_text="Length as the platform counts it")
    limit = serializers.IntegerField(help_text="The platform's text limit")
    ok = serializers.BooleanField(help_text="No errors on this channel")
    errors = PostIssueOutput(many=True)  # type: ignore[assignment]  # a field named like a Serializer attribute (DRF's metaclass takes it)
    warnings = PostIssueOutput(many=True)
    notes = PostNoteOutput(many=True, help_text="Reminders: tone of voice, hashtag habits")


class PostCheckOutput(serializers.Serializer):
    ok = serializers.BooleanField(help_text="Nothing blocks scheduling or submitting")
    error_count = serializers.IntegerField()
    warning_count = serializers.IntegerField()
    errors = PostIssueOutput(  # type: ignore[assignment]  # see PostTargetCheckOutput.errors
        many=True, help_text="About the post as a whole (no channels, …)"
    )
    targets = PostTargetCheckOutput(many=True, help_text="Per channel")


# Output: the post -------------------------------------------------------------------------------


class PostChannelOutput(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    handle = serializers.CharField()
    display_name = serializers.CharField()
    status = serializers.CharField(
        help_text="Connection: " + ", ".join(Channel.Status.values),
    )


class PostMediaItemOutput(serializers.Serializer):
    id = serializers.IntegerField(source="asset_id", help_text="Media file id")
    fit = serializers.CharField(help_text="crop or pad")
    kind = serializers.CharField(source="asset.kind")
    content_type = serializers.CharField(source="asset.content_type")
    width = serializers.IntegerField(source="asset.width", allow_null=True)
    height = serializers.IntegerField(source="asset.height", allow_null=True)
    alt_text = serializers.CharField(source="asset.alt_text")


class PostRepeatOutput(serializers.Serializer):
    every = serializers.IntegerField()
    unit = serializers.CharField(help_text="day or week")
    until = serializers.DateField()


class PostTargetOverridesOutput(serializers.Serializer):
    """A channel's own values; null inherits the post's."""

    text = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    link = serializers.CharField(allow_null=True)
    first_comment = serializers.CharField(allow_null=True)
    media = PostMediaItemOutput(many=True, allow_null=True)


class PostTargetEffectiveOutput(serializers.Serializer):
    """What goes out on the channel: its own value where it has one, else the post's."""

    text = serializers.CharField()
    title = serializers.CharField()
    link = serializers.CharField()
    first_comment = serializers.CharField()
    media = PostMediaItemOutput(many=True)


TARGET_STATUS_HELP = "Publishing state on this channel: " + ", ".join(PostTarget.Status.values)
POST_STATUS_HELP = "Editorial state: " + ", ".join(Post.Status.values)


class PostTargetSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    channel = PostChannelOutput()
    status = serializers.CharField(help_text=TARGET_STATUS_HELP)
    scheduled_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    external_url = serializers.CharField(help_text="The post on the platform, once published")
    last_error = serializers.CharField()


def _target_media(target: PostTarget) -> list[PostMedia] | list[Any]:
    return list(target.media_items.all() if target.custom_media else target.post.media_items.all())


class PostTargetOutput(PostTargetSummaryOutput):
    external_id = serializers.CharField()
    effective = serializers.SerializerMethodField()
    overrides = serializers.SerializerMethodField()

    @extend_schema_field(PostTargetEffectiveOutput)
    def get_effective(self, target: PostTarget) -> dict[str, Any]:
        return {
            "text": target.effective_text,
            "title": target.effective_title,
            "link": target.effective_link,
            "first_comment": target.effective_first_comment,
            "media": PostMediaItemOutput(_target_media(target), many=True).data,
        }

    @extend_schema_field(PostTargetOverridesOutput)
    def get_overrides(self, target: PostTarget) -> dict[str, Any]:
        return {
            "text": target.text,
            "title": target.title,
            "link": target.link,
            "first_comment": target.first_comment,
            "media": (
                PostMediaItemOutput(target.media_items.all(), many=True).data
                if target.custom_media
                else None
            ),
        }


class PostOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text=POST_STATUS_HELP)
    text = serializers.CharField()
    title = serializers.CharField()
    link = serializers.CharField()
    first_comment = serializers.CharField()
    author = serializers.IntegerField(source="author_id", allow_null=True, help_text="User id")
    author_name = serializers.SerializerMethodField()
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    shorten_links = serializers.BooleanField()
    scheduled_at = serializers.DateTimeField(allow_null=True)
    repeat = serializers.SerializerMethodField()
    recurrence_parent = serializers.IntegerField(
        source="recurrence_parent_id", allow_null=True, help_text="Set on copies of a repeat"
    )
    source = serializers.CharField(help_text="composer, api, csv or recurrence")  # type: ignore[assignment]  # a field named like a Serializer attribute (DRF's metaclass takes it)
    version = serializers.IntegerField(
        help_text="Bumped on every change; send it back (If-Match) to avoid overwriting"
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    approved_by = serializers.CharField(source="approved_by_label")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    media = PostMediaItemOutput(source="media_items", many=True)

    def get_author_name(self, post: Post) -> str:
        return post.author.display_name if post.author is not None else ""

    @extend_schema_field(PostRepeatOutput(allow_null=True))
    def get_repeat(self, post: Post) -> dict[str, Any] | None:
        if not post.repeat_every:
            return None
        return {
            "every": post.repeat_every,
            "unit": post.repeat_unit,
            "until": post.repeat_until.isoformat() if post.repeat_until else None,
        }


class PostListItemOutput(PostOutput):
    targets = PostTargetSummaryOutput(many=True)


class PostCommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.IntegerField(source="author_id", allow_null=True, help_text="User id")
    author_name = serializers.CharField(source="author_label")
    from_review_link = serializers.SerializerMethodField(
        help_text="Written by a client through a review link"
    )
    body = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_from_review_link(self, comment: Any) -> bool:
        return comment.via_review_link_id is not None


class PostReviewOutput(serializers.Serializer):
    action = serializers.CharField(help_text="submitted, approved, changes_requested or reopened")
    actor_name = serializers.CharField(source="actor_label")
    comment = serializers.CharField()
    post_version = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class PostDetailOutput(PostOutput):
    """The post with its targets, approval history and check. The check is passed in the
    serializer context as `check` (a PostCheck): rendering never runs a service."""

    targets = PostTargetOutput(many=True)
    reviews = PostReviewOutput(many=True)
    check = serializers.SerializerMethodField()

    @extend_schema_field(PostCheckOutput)
    def get_check(self, post: Post) -> dict[str, Any]:
        return PostCheckOutput(self.context["check"]).data


# Errors -----------------------------------------------------------------------------------------


class PostErrorOutput(ApiErrorOutput):
    """The error envelope; a refused schedule, queue or submit also carries the `check`."""

    class Meta:
        ref_name = "PostError"

    check = PostCheckOutput(
        required=False, help_text="Why a post cannot be scheduled or submitted (as in `check`)"
    )


class PostConflictOutput(ApiErrorOutput):
    """The error envelope of a version conflict (code `version_conflict`) with the post as it
    is now."""

    class Meta:
        ref_name = "PostConflict"

    current_version = serializers.IntegerField()
    post = PostDetailOutput(help_text="The post as it is now")
