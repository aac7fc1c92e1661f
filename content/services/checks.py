"""The one validation of a post, for the composer (live), the API, the CSV import and scheduling.

A post is checked per channel against that platform's rules (channels_app.specs, with the limits
an instance told us) and against the channel's guidelines. Platform rule breaks are errors and
block scheduling and submitting; guideline matters are warnings that say why; notes (tone of
voice, hashtag habit) are shown as reminders. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import regex
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from channels_app.models import Channel, ChannelGuidelines
from channels_app.selectors import channel_spec
from channels_app.specs import PlatformSpec
from channels_app.specs.counting import extract_hashtags, text_limit_status
from channels_app.specs.validation import Issue, MediaInfo, validate_post
from content.models import Fit, MediaAsset

# Codes this module adds to channels_app.specs.validation.ISSUE_CODES.
CHECK_CODES = frozenset(
    {
        "no_channels",
        "channel_disconnected",
        "channel_needs_reconnect",
        "first_comment_unsupported",
        "schedule_in_past",
        "guideline_banned_hashtag",
        "guideline_banned_word",
        "guideline_default_hashtags",
        "empty_post",
        "video_codec",
    }
)


@dataclass(frozen=True)
class MediaChoice:
    """One media file of a post (or of a channel's own list) and how it is fitted."""

    asset_id: int
    fit: str = Fit.CROP


@dataclass
class VariantInput:
    """What differs for one channel; None inherits the master value."""

    text: str | None = None
    title: str | None = None
    link: str | None = None
    first_comment: str | None = None
    media: list[MediaChoice] | None = None


@dataclass
class PostInput:
    """A post as typed: master values, channels, per-channel variants, media, planning."""

    text: str = ""
    title: str = ""
    link: str = ""
    first_comment: str = ""
    channel_ids: list[int] = field(default_factory=list)
    variants: dict[int, VariantInput] = field(default_factory=dict)  # channel id -> variant
    media: list[MediaChoice] = field(default_factory=list)
    campaign_id: int | None = None
    shorten_links: bool = False
    scheduled_at: datetime | None = None
    repeat_every: int | None = None
    repeat_unit: str = ""
    repeat_until: date | None = None

    def variant(self, channel_id: int) -> VariantInput:
        return self.variants.get(channel_id) or VariantInput()


@dataclass(frozen=True)
class Note:
    """A reminder shown next to a channel's variant (not a problem)."""

    code: str
    message: str


@dataclass
class TargetCheck:
    """The result for one channel: the text that will go out, its count, problems, reminders."""

    channel: Channel
    spec: PlatformSpec
    text: str
    count: int
    limit: int
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class PostCheck:
    errors: list[Issue] = field(default_factory=list)  # about the post as a whole
    targets: list[TargetCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and all(t.ok for t in self.targets)

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(len(t.errors) for t in self.targets)

    @property
    def warning_count(self) -> int:
        return sum(len(t.warnings) for t in self.targets)

    def as_messages(self) -> list[str]:
        """Every error as one line, prefixed with the channel: for CSV reports and API errors."""
        lines = [str(issue.message) for issue in self.errors]
        for target in self.targets:
            label = f"{target.spec.name} {target.channel.handle}".strip()
            lines += [f"{label}: {issue.message}" for issue in target.errors]
        return lines


def _issue(code: str, where: str, message: Any, severity: str = "error", **params: Any) -> Issue:
    return Issue(code, where, message, severity, params)  # type: ignore[arg-type]


def media_infos(
    choices: Sequence[MediaChoice], assets: dict[int, MediaAsset], spec: PlatformSpec
) -> list[MediaInfo]:
    """What each chosen file will be on this platform after rendering (images are resized to
    fit; videos and GIFs go as they are)."""
    from content.media.renditions import planned_media_info

    infos = []
    for choice in choices:
        asset = assets.get(choice.asset_id)
        if asset is not None:
            infos.append(planned_media_info(asset, spec, choice.fit))
    return infos


_WORD_EDGE = r"(?<![\p{L}\p{N}_])"
_WORD_END = r"(?![\p{L}\p{N}_])"


def _banned_words_in(text: str, words: Iterable[str]) -> list[str]:
    found = []
    for word in words:
        pattern = _WORD_EDGE + regex.escape(word) + _WORD_END
        if regex.search(pattern, text, flags=regex.IGNORECASE | regex.V1):
            found.append(word)
    return found


def _guideline_checks(
    guidelines: ChannelGuidelines | None, spec: PlatformSpec, text: str, first_comment: str
) -> tuple[list[Issue], list[Note]]:
    warnings: list[Issue] = []
    notes: list[Note] = []
    if spec.features.hashtags_habit:
        notes.append(Note("hashtag_habit", str(spec.features.hashtags_habit)))
    if guidelines is None:
        return warnings, notes
    written = text + "\n" + first_comment
    used = {tag.casefold() for tag in extract_hashtags(written)}
    banned = [tag for tag in guidelines.banned_hashtags if tag.casefold() in used]
    if banned:
        tags = ", ".join(f"#{tag}" for tag in banned)
        warnings.append(
            _issue(
                "guideline_banned_hashtag",
                "text",
                ngettext_lazy(
                    "The channel's guidelines ban %(tags)s.",
                    "The channel's guidelines ban these hashtags: %(tags)s.",
                    len(banned),
                )
                % {"tags": tags},
                "warning",
                tags=tags,
            )
        )
    words = _banned_words_in(written, guidelines.banned_words)
    if words:
        listed = ", ".join(f"“{word}”" for word in words)
        warnings.append(
            _issue(
                "guideline_banned_word",
                "text",
                _("The channel's guidelines say not to use %(words)s.") % {"words": listed},
                "warning",
                words=listed,
            )
        )
    missing = [tag for tag in guidelines.default_hashtags if tag.casefold() not in used]
    if missing and guidelines.default_hashtags:
        tags = " ".join(f"#{tag}" for tag in missing)
        warnings.append(
            _issue(
                "guideline_default_hashtags",
                "text",
                _("The channel usually carries %(tags)s.") % {"tags": tags},
                "warning",
                tags=tags,
            )
        )
    if guidelines.tone_of_voice:
        notes.append(Note("tone_of_voice", guidelines.tone_of_voice))
    return warnings, notes


def check_target(
    *,
    channel: Channel,
    text: str,
    title: str,
    link: str,
    first_comment: str,
    media: Sequence[MediaChoice],
    assets: dict[int, MediaAsset],
) -> TargetCheck:
    """Check one channel's version of a post."""
    spec = channel_spec(channel)
    status = text_limit_status(spec, text)
    result = TargetCheck(
        channel=channel, spec=spec, text=text, count=status.count, limit=spec.text.limit
    )
    infos = media_infos(media, assets, spec)
    for issue in validate_post(spec, text=text, media=infos, title=title, link=link):
        (result.errors if issue.severity == "error" else result.warnings).append(issue)
    from content.services.media import video_codec_issue

    for index, choice in enumerate(media):
        asset = assets.get(choice.asset_id)
        codec = video_codec_issue(asset, spec, f"media[{index}]") if asset else None
        if codec is not None:
            result.errors.append(codec)
    if not text.strip() and not infos and not title.strip():
        result.errors.append(_issue("empty_post", "text", _("There is nothing to post yet.")))
    if first_comment.strip() and not spec.features.first_comment:
        result.errors.append(
            _issue(
                "first_comment_unsupported",
                "first_comment",
                _("%(platform)s has no first comment: remove it for this channel.")
                % {"platform": spec.name},
                platform=spec.name,
            )
        )
    if channel.status == Channel.Status.DISCONNECTED:
        result.errors.append(
            _issue(
                "channel_disconnected",
                "channel",
                _("This channel is disconnected: connect it again or remove it from the post."),
            )
        )
    elif channel.status == Channel.Status.NEEDS_RECONNECT:
        result.warnings.append(
            _issue(
                "channel_needs_reconnect",
                "channel",
                _("This channel needs reconnecting; its posts are held until an admin does."),
                "warning",
            )
        )
    guidelines = getattr(channel, "guidelines", None)
    warnings, notes = _guideline_checks(guidelines, spec, text, first_comment)
    result.warnings += warnings
    result.notes += notes
    return result


def check_post(
    *,
    data: PostInput,
    channels: Sequence[Channel],
    assets: dict[int, MediaAsset],
    for_scheduling: bool = False,
) -> PostCheck:
    """Check `data` for each of `channels` (already resolved within the workspace).

    With `for_scheduling`, a missing or past publish time is an error too."""
    result = PostCheck()
    if not channels:
        result.errors.append(_issue("no_channels", "channels", _("Pick at least one channel.")))
    if for_scheduling:
        if data.scheduled_at is None:
            result.errors.append(
                _issue("schedule_in_past", "scheduled_at", _("Pick a date and time to publish."))
            )
        elif data.scheduled_at <= timezone.now():
            result.errors.append(
                _issue(
                    "schedule_in_past",
                    "scheduled_at",
                    _("The publish time has passed: pick a time in the future."),
                )
            )
    for channel in channels:
        variant = data.variant(channel.pk)
        result.targets.append(
            check_target(
                channel=channel,
                text=data.text if variant.text is None else variant.text,
                title=data.title if variant.title is None else variant.title,
                link=data.link if variant.link is None else variant.link,
                first_comment=(
                    data.first_comment if variant.first_comment is None else variant.first_comment
                ),
                media=data.media if variant.media is None else variant.media,
                assets=assets,
            )
        )
    return result
