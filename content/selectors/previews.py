"""Reads for the composer and the post pages: what the composer offers (channels, campaigns,
hashtag groups, snippets, the media library), the per-channel tabs of a post as typed, and the
network-styled previews of each channel's version.

Nothing here writes: previews of tracked links show the short links a post already has and
placeholders of the same length for new ones.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from channels_app.models import Channel
from channels_app.selectors import channel_spec
from channels_app.specs import PlatformSpec
from channels_app.specs.counting import HASHTAG, MENTION, URL, url_trim
from channels_app.specs.validation import Issue
from content.models import HashtagGroup, MediaAsset, Post, PostTarget, Snippet
from content.services.checks import MediaChoice, Note, PostCheck, PostInput, TargetCheck
from smm.models import Workspace

LIBRARY_SIZE = 60

# Platforms whose feed cuts long text behind a "more" link, and roughly where.
FOLD_AT = {"linkedin": 210, "facebook": 480, "instagram": 125, "threads": 500}


# The composer's choices -------------------------------------------------------------------------


@dataclass
class ComposerOptions:
    channels: list[Channel]
    campaigns: list[Any]
    hashtag_groups: list[HashtagGroup]
    snippets: list[Snippet]
    library: list[MediaAsset]


def composer_channels(*, workspace: Workspace, include_ids: Iterable[int] = ()) -> list[Channel]:
    """The channels the picker offers: every channel that is not disconnected, plus those in
    `include_ids` (a post's current channels, whatever their state), with their guidelines."""
    from django.db.models import Q

    return list(
        Channel.objects.for_workspace(workspace)
        .filter(~Q(status=Channel.Status.DISCONNECTED) | Q(pk__in=list(include_ids)))
        .select_related("guidelines")
        .order_by("platform", "handle", "pk")
    )


def _hashtag_groups(workspace: Workspace) -> list[HashtagGroup]:
    try:
        from content.selectors.library import hashtag_group_list
    except ImportError:
        return list(HashtagGroup.objects.for_workspace(workspace).order_by("name"))
    return list(hashtag_group_list(workspace=workspace))


def _snippets(workspace: Workspace) -> list[Snippet]:
    try:
        from content.selectors.library import snippet_list
    except ImportError:
        return list(Snippet.objects.for_workspace(workspace).order_by("name"))
    return list(snippet_list(workspace=workspace))


def _library(workspace: Workspace) -> list[MediaAsset]:
    qs: QuerySet[MediaAsset] | None = None
    with contextlib.suppress(ImportError, TypeError):
        from content.selectors.media import media_list

        qs = media_list(workspace=workspace)
    if qs is None:
        qs = MediaAsset.objects.for_workspace(workspace).order_by("-created_at", "-pk")
    return list(qs[:LIBRARY_SIZE])


def composer_options(
    *, workspace: Workspace, include_channel_ids: Iterable[int] = ()
) -> ComposerOptions:
    """Everything the composer offers to pick or insert, for `workspace`."""
    from content.selectors.campaigns import campaign_choices

    return ComposerOptions(
        channels=composer_channels(workspace=workspace, include_ids=include_channel_ids),
        campaigns=list(campaign_choices(workspace=workspace)),
        hashtag_groups=_hashtag_groups(workspace),
        snippets=_snippets(workspace),
        library=_library(workspace),
    )


def assets_by_id(*, workspace: Workspace, data: PostInput) -> dict[int, MediaAsset]:
    """The media files `data` refers to, of `workspace` only (others are ignored)."""
    ids = {m.asset_id for m in data.media}
    for variant in data.variants.values():
        ids |= {m.asset_id for m in variant.media or []}
    if not ids:
        return {}
    return {a.pk: a for a in MediaAsset.objects.for_workspace(workspace).filter(pk__in=ids)}


# URLs of media ----------------------------------------------------------------------------------


def media_file_url(workspace: Workspace, asset: MediaAsset) -> str:
    """Where the browser loads the original (the media area's view when it exists)."""
    try:
        return reverse("content:media_file", args=[workspace.slug, asset.pk])
    except NoReverseMatch:
        return asset.file.url if asset.file else ""


def media_rendition_url(workspace: Workspace, asset: MediaAsset, platform: str, fit: str) -> str:
    """The file as `platform` will get it (cropped or padded to its size)."""
    if asset.kind != "image":
        return media_file_url(workspace, asset)
    try:
        return reverse("content:media_rendition", args=[workspace.slug, asset.pk, platform, fit])
    except NoReverseMatch:
        return media_file_url(workspace, asset)


@dataclass(frozen=True)
class PickedMedia:
    """One item of a media list in the composer."""

    asset: MediaAsset
    fit: str
    url: str

    @property
    def value(self) -> str:
        return f"{self.asset.pk}:{self.fit}"


def picked_media(
    workspace: Workspace, choices: Sequence[MediaChoice] | None, assets: dict[int, MediaAsset]
) -> list[PickedMedia]:
    return [
        PickedMedia(assets[c.asset_id], c.fit, media_file_url(workspace, assets[c.asset_id]))
        for c in choices or []
        if c.asset_id in assets
    ]


# Per-channel tabs ------------------------------------------------------------------------------


@dataclass
class VariantField:
    """One field of a channel's tab: the value shown (its own, or the master's) and whether it
    is the channel's own."""

    name: str
    value: str
    custom: bool


@dataclass
class ChannelTab:
    channel: Channel
    spec: PlatformSpec
    selected: bool
    text: VariantField
    title: VariantField
    link: VariantField
    first_comment: VariantField
    media_custom: bool
    media: list[PickedMedia]

    @property
    def has_title(self) -> bool:
        return self.spec.text.title_limit is not None or self.spec.text.title_required

    @property
    def has_first_comment(self) -> bool:
        return bool(self.spec.features.first_comment)

    @property
    def customised(self) -> bool:
        return self.media_custom or any(
            f.custom for f in (self.text, self.title, self.link, self.first_comment)
        )


def channel_tabs(
    *,
    workspace: Workspace,
    channels: Sequence[Channel],
    data: PostInput,
    assets: dict[int, MediaAsset],
) -> list[ChannelTab]:
    """One tab per channel of the picker, in the picker's order, with `data`'s variants."""
    selected = set(data.channel_ids)
    tabs = []
    for channel in channels:
        variant = data.variant(channel.pk)

        def field_of(name: str, variant: Any = variant) -> VariantField:
            own = getattr(variant, name)
            return VariantField(name, getattr(data, name) if own is None else own, own is not None)

        tabs.append(
            ChannelTab(
                channel=channel,
                spec=channel_spec(channel),
                selected=channel.pk in selected,
                text=field_of("text"),
                title=field_of("title"),
                link=field_of("link"),
                first_comment=field_of("first_comment"),
                media_custom=variant.media is not None,
                media=picked_media(
                    workspace, data.media if variant.media is None else variant.media, assets
                ),
            )
        )
    return tabs


# Previews --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewMedia:
    asset_id: int
    url: str
    alt: str
    kind: str
    fit: str


@dataclass(frozen=True)
class LinkCard:
    url: str
    domain: str
    title: str


@dataclass
class Preview:
    """How one channel's version will roughly look on its platform, with its check result."""

    channel: Channel
    platform: str
    platform_name: str
    name: str
    handle: str
    avatar_url: str
    initial: str
    text: str
    text_html: SafeString
    folded: bool
    title: str
    link_card: LinkCard | None
    media: list[PreviewMedia]
    first_comment: str
    count: int
    limit: int
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    target: PostTarget | None = None

    @property
    def over(self) -> bool:
        return self.count > self.limit

    @property
    def ok(self) -> bool:
        return not self.errors


def decorate(text: str) -> SafeString:
    """`text` as HTML: escaped, with links, #hashtags and @mentions in spans the platform styles
    colour (nothing is clickable in a preview)."""
    spans: list[tuple[int, int, str]] = []
    for match in URL.finditer(text):
        url = url_trim(match.group(0))
        if "." in url.split("//", 1)[-1]:
            spans.append((match.start(), match.start() + len(url), "link"))
    taken = [(s, e) for s, e, _ in spans]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for pattern, kind in ((HASHTAG, "tag"), (MENTION, "mention")):
        for match in pattern.finditer(text):
            if free(match.start(), match.end()):
                spans.append((match.start(), match.end(), kind))
                taken.append((match.start(), match.end()))
    spans.sort()
    out: list[str] = []
    cursor = 0
    for start, end, kind in spans:
        out.append(escape(text[cursor:start]))
        out.append(f'<span class="pv-{kind}">{escape(text[start:end])}</span>')
        cursor = end
    out.append(escape(text[cursor:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


def _tracked(target: PostTarget) -> tuple[str, str]:
    """The target's text and link as they go out (short links when the post tracks links)."""
    try:
        from content.services.links import tracked_link, tracked_text
    except ImportError:
        return target.effective_text, target.effective_link
    return tracked_text(target=target, preview=True), tracked_link(target=target, preview=True)


def _preview(
    *,
    workspace: Workspace,
    result: TargetCheck,
    target: PostTarget,
    media: Sequence[MediaChoice],
    assets: dict[int, MediaAsset],
) -> Preview:
    channel = result.channel
    text, link = _tracked(target)
    title = target.effective_title
    card = None
    if link:
        card = LinkCard(link, urlsplit(link).netloc.removeprefix("www."), title)
    items = [
        PreviewMedia(
            asset_id=c.asset_id,
            url=media_rendition_url(workspace, assets[c.asset_id], channel.platform, c.fit),
            alt=assets[c.asset_id].alt_text,
            kind=assets[c.asset_id].kind,
            fit=c.fit,
        )
        for c in media
        if c.asset_id in assets
    ]
    name = channel.display_name or channel.handle or result.spec.name
    fold = FOLD_AT.get(channel.platform)
    return Preview(
        channel=channel,
        platform=channel.platform,
        platform_name=result.spec.name,
        name=name,
        handle=channel.handle,
        avatar_url=channel.avatar_url,
        initial=(name[:1] or "?").upper(),
        text=text,
        text_html=decorate(text),
        folded=fold is not None and len(text) > fold,
        title=title,
        link_card=card,
        media=items,
        first_comment=target.effective_first_comment,
        count=result.count,
        limit=result.limit,
        errors=list(result.errors),
        warnings=list(result.warnings),
        notes=list(result.notes),
        target=target if target.pk is not None else None,
    )


def previews_for_input(
    *, workspace: Workspace, data: PostInput, check: PostCheck, assets: dict[int, MediaAsset]
) -> list[Preview]:
    """Previews of a post as typed (not saved), one per checked channel."""
    post = Post(
        workspace=workspace,
        text=data.text,
        title=data.title,
        link=data.link,
        first_comment=data.first_comment,
        shorten_links=data.shorten_links,
    )
    previews = []
    for result in check.targets:
        variant = data.variant(result.channel.pk)
        target = PostTarget(
            workspace=workspace,
            post=post,
            channel=result.channel,
            text=variant.text,
            title=variant.title,
            link=variant.link,
            first_comment=variant.first_comment,
        )
        media = data.media if variant.media is None else variant.media
        previews.append(
            _preview(workspace=workspace, result=result, target=target, media=media, assets=assets)
        )
    return previews


def previews_for_post(*, post: Post, check: PostCheck) -> list[Preview]:
    """Previews of a saved post (from `post_get`, targets prefetched), with each target's state
    (status, external link, last error) on `preview.target`."""
    targets = {t.channel_id: t for t in post.targets.all()}
    assets = {m.asset_id: m.asset for m in post.media_items.all()}
    for target in targets.values():
        assets.update({m.asset_id: m.asset for m in target.media_items.all()})
    master = [MediaChoice(m.asset_id, m.fit) for m in post.media_items.all()]
    previews = []
    for result in check.targets:
        target = targets[result.channel.pk]
        target.post = post
        media = (
            [MediaChoice(m.asset_id, m.fit) for m in target.media_items.all()]
            if target.custom_media
            else master
        )
        previews.append(
            _preview(
                workspace=post.workspace, result=result, target=target, media=media, assets=assets
            )
        )
    return previews
