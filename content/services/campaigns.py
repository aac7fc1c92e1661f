"""Writes of organic campaigns: create, update, archive and unarchive.

A campaign's slug is its `utm_campaign` in tracked links, so it is unique within the workspace
and stays what it is unless someone changes it on purpose.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from content.models import Campaign, CampaignObjective
from smm.models import User, Workspace
from smm.services import activity_record

SLUG_MAX = Campaign._meta.get_field("slug").max_length or 80
NAME_MAX = Campaign._meta.get_field("name").max_length or 120
TAG_MAX_LENGTH = 40
TAGS_MAX = 20
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOR = str(Campaign._meta.get_field("color").default)

# The fields campaign_update accepts (each optional).
EDITABLE = ("name", "slug", "objective", "description", "starts_on", "ends_on", "tags", "color")


def clean_tags(tags: Any) -> list[str]:
    """Tags as a list: from a list or a comma-separated text; trimmed, without a leading '#',
    blanks dropped, duplicates (ignoring case) dropped, order kept. Raises ValidationError when
    there are more than TAGS_MAX or one is longer than TAG_MAX_LENGTH."""
    if tags is None:
        return []
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    cleaned: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = " ".join(str(item).split()).lstrip("#").strip()
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > TAG_MAX_LENGTH:
            raise ValidationError(
                {
                    "tags": _("Keep each tag under %(n)s characters: “%(tag)s” is longer.")
                    % {"n": TAG_MAX_LENGTH, "tag": tag[:TAG_MAX_LENGTH] + "…"}
                }
            )
        seen.add(tag.casefold())
        cleaned.append(tag)
    if len(cleaned) > TAGS_MAX:
        raise ValidationError({"tags": _("Use at most %(n)s tags.") % {"n": TAGS_MAX}})
    return cleaned


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the campaign a name.")})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": _("Keep the name under %(n)s characters.") % {"n": NAME_MAX}}
        )
    return name


def _clean_objective(objective: str) -> str:
    if objective not in CampaignObjective.values:
        raise ValidationError({"objective": _("Pick one of the objectives.")})
    return objective


def _clean_color(color: str) -> str:
    color = (color or "").strip() or DEFAULT_COLOR
    if not _COLOR.match(color):
        raise ValidationError(
            {"color": _("Give the colour as #rrggbb, for example %(c)s.") % {"c": DEFAULT_COLOR}}
        )
    return color.lower()


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})


def _slug_taken(workspace: Workspace, slug: str, *, exclude_pk: int | None) -> bool:
    qs = Campaign.objects.for_workspace(workspace).filter(slug=slug)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _chosen_slug(workspace: Workspace, slug: str, *, exclude_pk: int | None) -> str:
    """A slug typed by a person: normalised, and refused (not renamed) when it is taken."""
    cleaned = slugify(slug)[:SLUG_MAX].strip("-")
    if not cleaned:
        raise ValidationError(
            {"slug": _("Use letters, digits and hyphens for the slug, e.g. spring-launch.")}
        )
    if _slug_taken(workspace, cleaned, exclude_pk=exclude_pk):
        raise ValidationError(
            {
                "slug": _("Another campaign of this workspace uses the slug “%(slug)s”.")
                % {"slug": cleaned}
            }
        )
    return cleaned


def _slug_from_name(workspace: Workspace, name: str) -> str:
    """A free slug derived from `name`: spring-launch, spring-launch-2, ..."""
    base = slugify(name)[: SLUG_MAX - 4].strip("-") or "campaign"
    slug, n = base, 2
    while _slug_taken(workspace, slug, exclude_pk=None):
        slug, n = f"{base}-{n}", n + 1
    return slug


def _save(campaign: Campaign) -> None:
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError as exc:  # a concurrent save took the slug
        raise ValidationError(
            {
                "slug": _("Another campaign of this workspace uses the slug “%(slug)s”.")
                % {"slug": campaign.slug}
            }
        ) from exc


@transaction.atomic
def campaign_create(
    *,
    workspace: Workspace,
    by: User,
    name: str,
    objective: str,
    slug: str = "",
    description: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    tags: Any = None,
    color: str = "",
) -> Campaign:
    """Create a campaign in `workspace`.

    Without `slug`, one is made from the name (with -2, -3... when taken); a slug given is
    normalised and must be free. Raises ValidationError (per field) on a blank name, an unknown
    objective, a taken slug, an end before the start, bad tags or colour. Logs `campaign.created`.
    """
    name = _clean_name(name)
    campaign = Campaign(
        workspace=workspace,
        name=name,
        slug=(
            _chosen_slug(workspace, slug, exclude_pk=None)
            if (slug or "").strip()
            else _slug_from_name(workspace, name)
        ),
        objective=_clean_objective(objective),
        description=(description or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        tags=clean_tags(tags),
        color=_clean_color(color),
        created_by=by,
    )
    _check_dates(starts_on, ends_on)
    _save(campaign)
    activity_record(workspace=workspace, actor=by, verb="campaign.created", target=campaign)
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, by: User, **fields: Any) -> Campaign:
    """Change any of EDITABLE on `campaign`; fields left out stay as they are.

    An empty `slug` keeps the current one. Same checks and errors as `campaign_create`. Logs
    `campaign.updated` with the names of the changed fields (nothing is logged without change).
    """
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"campaign_update() got unexpected fields {sorted(unknown)}")
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = _clean_name(fields["name"])
    if "slug" in fields and (fields["slug"] or "").strip():
        wanted = slugify(fields["slug"])[:SLUG_MAX].strip("-")
        values["slug"] = (
            campaign.slug
            if wanted == campaign.slug
            else _chosen_slug(campaign.workspace, fields["slug"], exclude_pk=campaign.pk)
        )
    if "objective" in fields:
        values["objective"] = _clean_objective(fields["objective"])
    if "description" in fields:
        values["description"] = (fields["description"] or "").strip()
    for key in ("starts_on", "ends_on"):
        if key in fields:
            values[key] = fields[key]
    if "tags" in fields:
        values["tags"] = clean_tags(fields["tags"])
    if "color" in fields:
        values["color"] = _clean_color(fields["color"])
    _check_dates(
        values.get("starts_on", campaign.starts_on), values.get("ends_on", campaign.ends_on)
    )
    changed = [key for key, value in values.items() if getattr(campaign, key) != value]
    if not changed:
        return campaign
    for key in changed:
        setattr(campaign, key, values[key])
    _save(campaign)
    activity_record(
        workspace=campaign.workspace,
        actor=by,
        verb="campaign.updated",
        target=campaign,
        data={"fields": changed},
    )
    return campaign


@transaction.atomic
def campaign_archive(*, campaign: Campaign, by: User) -> Campaign:
    """Archive `campaign`: it leaves the lists and pickers; its posts and links stay as they are.
    Archiving an archived campaign changes nothing. Logs `campaign.archived`."""
    if campaign.archived_at is None:
        campaign.archived_at = timezone.now()
        campaign.save(update_fields=["archived_at", "updated_at"])
        activity_record(
            workspace=campaign.workspace, actor=by, verb="campaign.archived", target=campaign
        )
    return campaign


@transaction.atomic
def campaign_unarchive(*, campaign: Campaign, by: User) -> Campaign:
    """Bring an archived campaign back. Logs `campaign.unarchived`."""
    if campaign.archived_at is not None:
        campaign.archived_at = None
        campaign.save(update_fields=["archived_at", "updated_at"])
        activity_record(
            workspace=campaign.workspace, actor=by, verb="campaign.unarchived", target=campaign
        )
    return campaign
