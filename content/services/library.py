"""Writes of the content library: hashtag groups and snippets (saved text).

Names are unique per workspace (ignoring case); hashtags are stored without '#', deduplicated
ignoring case, in the order given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from content.models import HashtagGroup, Snippet
from smm.models import User, Workspace
from smm.services import activity_record

HASHTAGS_MAX = 30
HASHTAG_MAX_LENGTH = 100
NAME_MAX = HashtagGroup._meta.get_field("name").max_length or 80
SNIPPET_MAX_LENGTH = 5000
# Letters, digits, marks (for scripts like Devanagari) and underscores: what platforms link.
_HASHTAG = re.compile(r"^\w+$", re.UNICODE)
_SEPARATORS = re.compile(r"[\s,;]+")


def normalize_hashtags(raw: str | Iterable[str]) -> list[str]:
    """Hashtags from text (separated by spaces, commas, semicolons or new lines) or a list:
    with or without '#', stored without it; duplicates dropped ignoring case (the first spelling
    wins); order kept.

    Raises ValidationError on a tag with other characters than letters, digits and '_', a tag
    that is only '#', or more than HASHTAGS_MAX tags."""
    parts = _SEPARATORS.split(raw) if isinstance(raw, str) else [str(item) for item in raw]
    tags: list[str] = []
    seen: set[str] = set()
    invalid: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        tag = part.lstrip("#")
        if not tag or not _HASHTAG.match(tag) or len(tag) > HASHTAG_MAX_LENGTH:
            invalid.append(part)
            continue
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    if invalid:
        raise ValidationError(
            {
                "hashtags": _(
                    "A hashtag is one word of letters, digits and underscores (no spaces or "
                    "punctuation). Not valid: %(tags)s"
                )
                % {"tags": ", ".join(invalid[:5])}
            }
        )
    if len(tags) > HASHTAGS_MAX:
        raise ValidationError(
            {
                "hashtags": _("A group holds at most %(max)s hashtags; this one has %(n)s.")
                % {"max": HASHTAGS_MAX, "n": len(tags)}
            }
        )
    return tags


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give it a name.")})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": _("Keep the name under %(n)s characters.") % {"n": NAME_MAX}}
        )
    return name


def _name_taken_error(model: Any, name: str) -> ValidationError:
    message = (
        _("This workspace already has a hashtag group named “%(name)s”. Pick another name.")
        if model is HashtagGroup
        else _("This workspace already has a snippet named “%(name)s”. Pick another name.")
    )
    return ValidationError({"name": message % {"name": name}})


def _check_name_free(model: Any, workspace: Workspace, name: str, exclude_pk: int | None) -> None:
    qs = model.objects.for_workspace(workspace).filter(name__iexact=name)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise _name_taken_error(model, name)


def _save(obj: HashtagGroup | Snippet) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:  # the same name was saved concurrently
        raise _name_taken_error(type(obj), obj.name) from exc


# Hashtag groups --------------------------------------------------------------------------------


@transaction.atomic
def hashtag_group_create(
    *, workspace: Workspace, by: User, name: str, hashtags: str | Iterable[str]
) -> HashtagGroup:
    """A new hashtag group. Raises ValidationError on a blank or taken name, no hashtags, bad
    hashtags or too many. Logs `hashtag_group.created`."""
    name = _clean_name(name)
    tags = normalize_hashtags(hashtags)
    if not tags:
        raise ValidationError({"hashtags": _("Add at least one hashtag.")})
    _check_name_free(HashtagGroup, workspace, name, None)
    group = HashtagGroup(workspace=workspace, name=name, hashtags=tags)
    _save(group)
    activity_record(workspace=workspace, actor=by, verb="hashtag_group.created", target=group)
    return group


@transaction.atomic
def hashtag_group_update(
    *,
    group: HashtagGroup,
    by: User,
    name: str | None = None,
    hashtags: str | Iterable[str] | None = None,
) -> HashtagGroup:
    """Rename `group` and/or replace its hashtags (None: unchanged). Same errors as create.
    Logs `hashtag_group.updated` when something changed."""
    new_name = group.name if name is None else _clean_name(name)
    new_tags = group.hashtags if hashtags is None else normalize_hashtags(hashtags)
    if not new_tags:
        raise ValidationError({"hashtags": _("Add at least one hashtag.")})
    if new_name == group.name and new_tags == group.hashtags:
        return group
    if new_name.casefold() != group.name.casefold():
        _check_name_free(HashtagGroup, group.workspace, new_name, group.pk)
    group.name, group.hashtags = new_name, new_tags
    _save(group)
    activity_record(workspace=group.workspace, actor=by, verb="hashtag_group.updated", target=group)
    return group


@transaction.atomic
def hashtag_group_delete(*, group: HashtagGroup, by: User) -> None:
    """Delete `group` (posts that used its hashtags keep them). Logs `hashtag_group.deleted`."""
    activity_record(workspace=group.workspace, actor=by, verb="hashtag_group.deleted", target=group)
    group.delete()


# Snippets --------------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the text of the snippet.")})
    if len(body) > SNIPPET_MAX_LENGTH:
        raise ValidationError(
            {"body": _("Keep a snippet under %(n)s characters.") % {"n": SNIPPET_MAX_LENGTH}}
        )
    return body


@transaction.atomic
def snippet_create(*, workspace: Workspace, by: User, name: str, body: str) -> Snippet:
    """A new snippet. Raises ValidationError on a blank or taken name or an empty body. Logs
    `snippet.created`."""
    name = _clean_name(name)
    body = _clean_body(body)
    _check_name_free(Snippet, workspace, name, None)
    snippet = Snippet(workspace=workspace, name=name, body=body)
    _save(snippet)
    activity_record(workspace=workspace, actor=by, verb="snippet.created", target=snippet)
    return snippet


@transaction.atomic
def snippet_update(
    *, snippet: Snippet, by: User, name: str | None = None, body: str | None = None
) -> Snippet:
    """Rename `snippet` and/or change its text (None: unchanged). Same errors as create. Logs
    `snippet.updated` when something changed."""
    new_name = snippet.name if name is None else _clean_name(name)
    new_body = snippet.body if body is None else _clean_body(body)
    if new_name == snippet.name and new_body == snippet.body:
        return snippet
    if new_name.casefold() != snippet.name.casefold():
        _check_name_free(Snippet, snippet.workspace, new_name, snippet.pk)
    snippet.name, snippet.body = new_name, new_body
    _save(snippet)
    activity_record(workspace=snippet.workspace, actor=by, verb="snippet.updated", target=snippet)
    return snippet


@transaction.atomic
def snippet_delete(*, snippet: Snippet, by: User) -> None:
    """Delete `snippet` (text already inserted into posts stays). Logs `snippet.deleted`."""
    activity_record(workspace=snippet.workspace, actor=by, verb="snippet.deleted", target=snippet)
    snippet.delete()
