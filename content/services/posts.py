"""Writing posts: save (drafts and edits, from the composer, the API and the CSV import), check,
delete, comment.

Scheduling and the queue are in content.services.planning; approval in content.services.approval.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_app.models import Channel
from content.models import (
    Campaign,
    MediaAsset,
    Post,
    PostComment,
    PostMedia,
    PostReview,
    PostTarget,
    RecurrenceUnit,
    ReviewLink,
    TargetMedia,
)
from content.services.approvers import approval_needed, notify_approvers
from content.services.checks import (
    MediaChoice,
    PostCheck,
    PostInput,
    VariantInput,
    check_post,
)
from content.services.state import post_transition, target_build, targets_transition
from smm.models import Membership, User, Workspace
from smm.notifications import notify
from smm.services import activity_record
from smm.tenancy import can

MAX_TEXT = 100_000  # far above any platform; keeps a pasted novel out of the database
MAX_MEDIA = 20
# Targets in these states have left our hands (or are about to): their variant is frozen.
LOCKED_TARGET_STATES = (
    PostTarget.Status.QUEUED,
    PostTarget.Status.PUBLISHING,
    PostTarget.Status.PUBLISHED,
)


class VersionConflict(Exception):
    """The post was changed elsewhere since the version the caller edited."""

    def __init__(self, post: Post) -> None:
        super().__init__(f"post {post.pk} is at version {post.version}")
        self.post = post


@dataclass(frozen=True)
class Resolved:
    channels: list[Channel]
    assets: dict[int, MediaAsset]
    campaign: Campaign | None


def can_edit(membership: Membership, post: Post) -> bool:
    """Editors and up edit every post; contributors their own."""
    if can(membership, "content.edit_any"):
        return True
    return can(membership, "content.create") and post.author_id == membership.user_id


def ensure_can_edit(membership: Membership, post: Post) -> None:
    if not can_edit(membership, post):
        raise PermissionDenied(_("You can only change your own posts."))


def resolve(
    *,
    workspace: Workspace,
    data: PostInput,
    current_channel_ids: AbstractSet[int] = frozenset(),
) -> Resolved:
    """Turn the ids in `data` into objects of `workspace`. Raises ValidationError for ids that are
    not this workspace's (or a disconnected channel newly picked)."""
    errors: dict[str, list[str]] = {}
    wanted = list(dict.fromkeys(int(pk) for pk in data.channel_ids))
    channels = {
        c.pk: c
        for c in Channel.objects.for_workspace(workspace)
        .filter(pk__in=wanted)
        .select_related("guidelines")
    }
    unknown = [pk for pk in wanted if pk not in channels]
    if unknown:
        errors.setdefault("channels", []).append(_("Unknown channel: pick one of this workspace."))
    for pk, channel in channels.items():
        if channel.status == Channel.Status.DISCONNECTED and pk not in current_channel_ids:
            errors.setdefault("channels", []).append(
                _("%(channel)s is disconnected.") % {"channel": channel}
            )
    extra_variants = set(data.variants) - set(wanted)
    if extra_variants:
        errors.setdefault("variants", []).append(
            _("A channel variant was given for a channel the post does not go to.")
        )
    asset_ids = {choice.asset_id for choice in data.media}
    for variant in data.variants.values():
        asset_ids |= {choice.asset_id for choice in variant.media or []}
    assets = {a.pk: a for a in MediaAsset.objects.for_workspace(workspace).filter(pk__in=asset_ids)}
    if asset_ids - set(assets):
        errors.setdefault("media", []).append(_("Unknown media file: upload it to this workspace."))
    if len(data.media) > MAX_MEDIA or any(
        len(v.media or []) > MAX_MEDIA for v in data.variants.values()
    ):
        errors.setdefault("media", []).append(
            _("At most %(max)d media files per post.") % {"max": MAX_MEDIA}
        )
    campaign = None
    if data.campaign_id:
        campaign = Campaign.objects.for_workspace(workspace).filter(pk=data.campaign_id).first()
        if campaign is None:
            errors.setdefault("campaign", []).append(_("Unknown campaign."))
    for name in ("text", "first_comment"):
        values = [getattr(data, name)] + [getattr(v, name) or "" for v in data.variants.values()]
        if any(len(value) > MAX_TEXT for value in values):
            errors.setdefault(name, []).append(_("This text is too long to be a post."))
    _check_recurrence(data, errors)
    if errors:
        raise ValidationError(errors)
    return Resolved([channels[pk] for pk in wanted], assets, campaign)


def _check_recurrence(data: PostInput, errors: dict[str, list[str]]) -> None:
    if not data.repeat_every:
        return
    if data.repeat_unit not in RecurrenceUnit.values:
        errors.setdefault("repeat_unit", []).append(_("Repeat every how many days or weeks?"))
    if data.repeat_until is None:
        errors.setdefault("repeat_until", []).append(_("Say until when the post repeats."))
    elif data.scheduled_at and data.repeat_until < timezone.localtime(data.scheduled_at).date():
        errors.setdefault("repeat_until", []).append(
            _("The repeat end date is before the first publish date.")
        )
    if data.repeat_every < 1 or data.repeat_every > 365:
        errors.setdefault("repeat_every", []).append(_("Repeat every 1 to 365 days or weeks."))


def check(
    *,
    workspace: Workspace,
    data: PostInput,
    for_scheduling: bool = False,
    post: Post | None = None,
) -> PostCheck:
    """Validate typed input without saving (the composer's live check, the API's dry run).
    With `post` (the post being edited), its current channels may stay even if disconnected
    (reported as an error per channel), as saving allows.

    Raises ValidationError for ids of another workspace, like saving would."""
    current = set(post.targets.values_list("channel_id", flat=True)) if post is not None else set()
    resolved = resolve(workspace=workspace, data=data, current_channel_ids=current)
    return check_post(
        data=data, channels=resolved.channels, assets=resolved.assets, for_scheduling=for_scheduling
    )


def input_from_post(post: Post) -> PostInput:
    """The saved post as PostInput (to check it again, to copy it, to fill the composer)."""
    targets = list(post.targets.select_related("channel").prefetch_related("media_items"))
    variants = {}
    for target in targets:
        variants[target.channel_id] = VariantInput(
            text=target.text,
            title=target.title,
            link=target.link,
            first_comment=target.first_comment,
            media=(
                [MediaChoice(m.asset_id, m.fit) for m in target.media_items.all()]
                if target.custom_media
                else None
            ),
        )
    return PostInput(
        text=post.text,
        title=post.title,
        link=post.link,
        first_comment=post.first_comment,
        channel_ids=[t.channel_id for t in targets],
        variants=variants,
        media=[MediaChoice(m.asset_id, m.fit) for m in post.media_items.all()],
        campaign_id=post.campaign_id,
        shorten_links=post.shorten_links,
        scheduled_at=post.scheduled_at,
        repeat_every=post.repeat_every,
        repeat_unit=post.repeat_unit,
        repeat_until=post.repeat_until,
    )


def check_saved(post: Post, *, for_scheduling: bool = False) -> PostCheck:
    data = input_from_post(post)
    resolved = resolve(
        workspace=post.workspace, data=data, current_channel_ids=set(data.channel_ids)
    )
    return check_post(
        data=data, channels=resolved.channels, assets=resolved.assets, for_scheduling=for_scheduling
    )


def _fingerprint(data: PostInput) -> str:
    """What a reviewer approved: the content, not the planning."""
    content = {
        "text": data.text,
        "title": data.title,
        "link": data.link,
        "first_comment": data.first_comment,
        "channels": sorted(data.channel_ids),
        "media": [(m.asset_id, m.fit) for m in data.media],
        "variants": {
            str(pk): [
                v.text,
                v.title,
                v.link,
                v.first_comment,
                None if v.media is None else [(m.asset_id, m.fit) for m in v.media],
            ]
            for pk, v in sorted(data.variants.items())
        },
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


_Media = TypeVar("_Media", PostMedia, TargetMedia)


def _set_media(owner: Post | PostTarget, model: type[_Media], choices: list[MediaChoice]) -> None:
    key = "post" if model is PostMedia else "target"
    model.objects.filter(**{key: owner}).delete()
    model.objects.bulk_create(
        [
            model(**{key: owner}, asset_id=choice.asset_id, position=i, fit=choice.fit)
            for i, choice in enumerate(choices)
        ]
    )


# What post_save writes on an existing post.
_EDITABLE_FIELDS = (
    "text",
    "title",
    "link",
    "first_comment",
    "campaign",
    "shorten_links",
    "repeat_every",
    "repeat_unit",
    "repeat_until",
    "scheduled_at",
)


@transaction.atomic
def post_save(
    *,
    workspace: Workspace,
    membership: Membership,
    data: PostInput,
    post: Post | None = None,
    expected_version: int | None = None,
    source: str = "composer",
) -> Post:
    """Create (post=None) or update a post with everything typed in `data`; problems with the
    content are reported by `check`, never refused here: a draft keeps whatever was typed.

    Raises ValidationError for references outside the workspace or a post already published,
    PermissionDenied if `membership` may not edit it, VersionConflict if `expected_version` is
    older than the stored one. An edit of an approved post by someone who needs approval sends
    it back for review.
    """
    if post is None:
        if not can(membership, "content.create"):
            raise PermissionDenied(_("Your role cannot write posts."))
        current: set[int] = set()
    else:
        post = Post.objects.select_for_update().get(pk=post.pk, workspace=workspace)
        ensure_can_edit(membership, post)
        if expected_version is not None and post.version != expected_version:
            raise VersionConflict(post)
        if post.status == Post.Status.PUBLISHED:
            raise ValidationError(_("This post has been published; it can no longer be changed."))
        current = set(post.targets.values_list("channel_id", flat=True))
    resolved = resolve(workspace=workspace, data=data, current_channel_ids=current)

    before = _fingerprint(input_from_post(post)) if post is not None else None
    created = post is None
    if post is None:
        post = Post(workspace=workspace, author=membership.user, source=source)
    post.text = data.text
    post.title = data.title[:300]
    post.link = data.link
    post.first_comment = data.first_comment
    post.campaign = resolved.campaign
    post.shorten_links = data.shorten_links
    post.repeat_every = data.repeat_every or None
    post.repeat_unit = data.repeat_unit if data.repeat_every else ""
    post.repeat_until = data.repeat_until if data.repeat_every else None
    if post.status not in (Post.Status.SCHEDULED,):
        # A scheduled post moves through planning.post_reschedule, so the engine sees it.
        post.scheduled_at = data.scheduled_at
    if created:
        post.save()
    else:
        post.version = F("version") + 1
        # The status is not written here: it moves only through content.services.state.
        post.save(update_fields=[*_EDITABLE_FIELDS, "version", "updated_at"])
    post.refresh_from_db(fields=["version"])
    _set_media(post, PostMedia, data.media)
    _sync_targets(post, resolved.channels, data)

    after = _fingerprint(data)
    if created:
        activity_record(
            workspace=workspace, actor=membership.user, verb="post.created", target=post
        )
    elif before != after:
        _after_content_change(post, membership)
    return post


# What post_save writes on an existing target (its variant).
_VARIANT_FIELDS = ("text", "title", "link", "first_comment", "custom_media")


def _sync_targets(post: Post, channels: list[Channel], data: PostInput) -> None:
    existing = {t.channel_id: t for t in post.targets.all()}
    wanted = {c.pk for c in channels}
    removable = [t for pk, t in existing.items() if pk not in wanted]
    locked = [t for t in removable if t.status in LOCKED_TARGET_STATES]
    if locked:
        raise ValidationError(
            {"channels": [_("A channel that is publishing or published cannot be removed.")]}
        )
    PostTarget.objects.filter(pk__in=[t.pk for t in removable]).delete()
    for channel in channels:
        variant = data.variant(channel.pk)
        target = existing.get(channel.pk)
        created = target is None
        if target is None:
            target = target_build(post=post, channel=channel)
        elif target.status in LOCKED_TARGET_STATES:
            continue  # what has gone out (or is going) stays as it went
        target.text = variant.text
        target.title = variant.title[:300] if variant.title is not None else None
        target.link = variant.link
        target.first_comment = variant.first_comment
        target.custom_media = variant.media is not None
        if created:
            target.save()
        else:
            # Not the status: the dispatcher may have claimed the target since it was read.
            target.save(update_fields=[*_VARIANT_FIELDS, "updated_at"])
        _set_media(target, TargetMedia, variant.media or [])


def _after_content_change(post: Post, membership: Membership) -> None:
    activity_record(
        workspace=post.workspace, actor=membership.user, verb="post.updated", target=post
    )
    reopen = post.status in (Post.Status.APPROVED, Post.Status.SCHEDULED) and (
        post.approved_at is not None and approval_needed(membership)
    )
    if not reopen:
        return
    # Nothing goes out unapproved: what waited on the schedule goes back to draft.
    targets_transition(
        post_id=post.pk, expected=(PostTarget.Status.SCHEDULED,), to=PostTarget.Status.DRAFT
    )
    post_transition(
        post=post,
        to=Post.Status.IN_REVIEW,
        approved_at=None,
        approved_by_label="",
        submitted_at=timezone.now(),
    )
    PostReview.objects.create(
        post=post,
        action=PostReview.Action.REOPENED,
        actor=membership.user,
        actor_label=membership.user.display_name,
        post_version=post.version,
    )
    activity_record(
        workspace=post.workspace, actor=membership.user, verb="post.reopened", target=post
    )
    notify_approvers(
        post=post,
        actor=membership.user,
        kind="post.reopened",
        message=gettext_lazy(
            "%(actor)s changed an approved post; it needs approval again: %(post)s"
        ),
    )


@transaction.atomic
def post_delete(*, post: Post, membership: Membership) -> None:
    """Delete a post that has not started going out. Published posts stay in the suite's record
    (delete them on the platform); a post being published cannot be deleted."""
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=post.workspace)
    ensure_can_edit(membership, post)
    if post.targets.filter(status__in=LOCKED_TARGET_STATES).exists():
        raise ValidationError(
            _("This post is being published or has been published; it cannot be deleted.")
        )
    activity_record(
        workspace=post.workspace, actor=membership.user, verb="post.deleted", target=post
    )
    post.delete()


def post_comment_add(
    *,
    post: Post,
    body: str,
    by: User | None = None,
    review_link: ReviewLink | None = None,
) -> PostComment:
    """An internal comment from a member (`by`) or a client reviewer (`review_link`). Notifies
    the author and the people who commented before."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("Write a comment first.")]})
    if len(body) > 5000:
        raise ValidationError({"body": [_("Keep a comment under 5,000 characters.")]})
    if (by is None) == (review_link is None):
        raise ValueError("a comment comes from a member or a review link")
    label = by.display_name if by is not None else review_link.reviewer_name  # type: ignore[union-attr]
    comment = PostComment.objects.create(
        post=post, author=by, author_label=label, body=body, via_review_link=review_link
    )
    people = {
        c.author
        for c in post.comments.exclude(author=None).select_related("author")
        if c.author is not None
    }
    if post.author is not None:
        people.add(post.author)
    notify(
        workspace=post.workspace,
        recipients=people,
        kind="post.commented",
        message=gettext_lazy("%(actor)s commented on %(post)s: %(comment)s"),
        params={"actor": label, "post": str(post), "comment": body[:120]},
        url=post_url(post),
        actor=by,
    )
    return comment


def post_url(post: Post) -> str:
    """The post's page in the app."""
    return post.get_absolute_url()
