"""Reading the content library: hashtag groups and snippets (the composer inserts them)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from content.models import HashtagGroup, Snippet
from smm.models import Workspace


def hashtag_group_list(*, workspace: Workspace) -> QuerySet[HashtagGroup]:
    """Hashtag groups of `workspace`, by name. `hashtags` are stored without '#'."""
    return HashtagGroup.objects.for_workspace(workspace).order_by("name", "pk")


def hashtag_group_get(*, workspace: Workspace, group_id: int) -> HashtagGroup:
    """One hashtag group of `workspace`; Http404 for another workspace's."""
    return get_object_or_404(HashtagGroup.objects.for_workspace(workspace), pk=group_id)


def snippet_list(*, workspace: Workspace) -> QuerySet[Snippet]:
    """Snippets of `workspace`, by name."""
    return Snippet.objects.for_workspace(workspace).order_by("name", "pk")


def snippet_get(*, workspace: Workspace, snippet_id: int) -> Snippet:
    """One snippet of `workspace`; Http404 for another workspace's."""
    return get_object_or_404(Snippet.objects.for_workspace(workspace), pk=snippet_id)
