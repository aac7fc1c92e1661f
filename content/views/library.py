"""Pages: the content library (hashtag groups and snippets), with add, edit and delete.

One page lists both. Adding and editing post forms to their own URLs; on an error the page is
shown again (400) with the typed text and the message next to the field, the edited row open.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from content.models import HashtagGroup, Snippet
from content.selectors import library as selectors
from content.services import library as services
from smm.forms import form_add_service_errors
from smm.http import AuthenticatedHttpRequest
from smm.models import Membership, Workspace
from smm.tenancy import can, workspace_view


class HashtagGroupForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    hashtags = forms.CharField(
        label=gettext_lazy("Hashtags"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "#coffee #specialtycoffee"}),
        help_text=gettext_lazy(
            "Separate them with spaces, commas or new lines; the # is optional. At most 30."
        ),
    )

    @classmethod
    def for_group(cls, group: HashtagGroup, data: Any = None) -> HashtagGroupForm:
        return cls(
            data,
            prefix=f"group-{group.pk}",
            initial={"name": group.name, "hashtags": " ".join(f"#{t}" for t in group.hashtags)},
        )


class SnippetForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=services.SNIPPET_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("A signature, a disclaimer, a call to action you use often."),
    )

    @classmethod
    def for_snippet(cls, snippet: Snippet, data: Any = None) -> SnippetForm:
        return cls(
            data,
            prefix=f"snippet-{snippet.pk}",
            initial={"name": snippet.name, "body": snippet.body},
        )


NEW_GROUP_PREFIX = "new-group"
NEW_SNIPPET_PREFIX = "new-snippet"


def _page(
    request: HttpRequest,
    workspace: Workspace,
    *,
    bound: forms.Form | None = None,
    bound_key: str = "",
    status: int = 200,
) -> HttpResponse:
    """The library page; `bound` (a form with errors) replaces the form named `bound_key`."""
    can_edit = can(request.membership, "content.library")  # type: ignore[attr-defined]
    groups = list(selectors.hashtag_group_list(workspace=workspace))
    snippets = list(selectors.snippet_list(workspace=workspace))

    def pick(key: str, default: forms.Form) -> forms.Form:
        return bound if bound is not None and bound_key == key else default

    context: dict[str, Any] = {
        "workspace": workspace,
        "can_edit": can_edit,
        "open_key": bound_key,
        # (object, its edit form or None for read-only roles, whether its editor is open)
        "group_rows": [
            (
                g,
                pick(f"group-{g.pk}", HashtagGroupForm.for_group(g)) if can_edit else None,
                bound_key == f"group-{g.pk}",
            )
            for g in groups
        ],
        "snippet_rows": [
            (
                s,
                pick(f"snippet-{s.pk}", SnippetForm.for_snippet(s)) if can_edit else None,
                bound_key == f"snippet-{s.pk}",
            )
            for s in snippets
        ],
        "new_group_form": pick(NEW_GROUP_PREFIX, HashtagGroupForm(prefix=NEW_GROUP_PREFIX)),
        "new_snippet_form": pick(NEW_SNIPPET_PREFIX, SnippetForm(prefix=NEW_SNIPPET_PREFIX)),
        "hashtags_max": services.HASHTAGS_MAX,
    }
    return render(request, "content/library.html", context, status=status)


def _back(workspace: Workspace, anchor: str) -> HttpResponse:
    return redirect(reverse("content:library", args=[workspace.slug]) + f"#{anchor}")


@login_required
@workspace_view("content.view")
def library(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    return _page(request, workspace)


@login_required
@require_POST
@workspace_view("content.library")
def hashtag_group_create(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = HashtagGroupForm(request.POST, prefix=NEW_GROUP_PREFIX)
    if form.is_valid():
        try:
            group = services.hashtag_group_create(
                workspace=workspace,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Hashtag group “%(name)s” added.") % {"name": group.name})
            return _back(workspace, f"group-{group.pk}")
    return _page(request, workspace, bound=form, bound_key=NEW_GROUP_PREFIX, status=400)


@login_required
@require_POST
@workspace_view("content.library")
def hashtag_group_update(
    request: AuthenticatedHttpRequest, membership: Membership, group_id: int
) -> HttpResponse:
    workspace = membership.workspace
    group = selectors.hashtag_group_get(workspace=workspace, group_id=group_id)
    form = HashtagGroupForm.for_group(group, request.POST)
    if form.is_valid():
        try:
            services.hashtag_group_update(
                group=group,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Hashtag group “%(name)s” saved.") % {"name": group.name})
            return _back(workspace, f"group-{group.pk}")
    group.refresh_from_db()
    return _page(request, workspace, bound=form, bound_key=f"group-{group.pk}", status=400)


@login_required
@require_POST
@workspace_view("content.library")
def hashtag_group_delete(
    request: AuthenticatedHttpRequest, membership: Membership, group_id: int
) -> HttpResponse:
    workspace = membership.workspace
    group = selectors.hashtag_group_get(workspace=workspace, group_id=group_id)
    services.hashtag_group_delete(group=group, by=request.user)
    messages.success(request, _("Hashtag group “%(name)s” deleted.") % {"name": group.name})
    return _back(workspace, "hashtag-groups")


@login_required
@require_POST
@workspace_view("content.library")
def snippet_create(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = SnippetForm(request.POST, prefix=NEW_SNIPPET_PREFIX)
    if form.is_valid():
        try:
            snippet = services.snippet_create(
                workspace=workspace,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Snippet “%(name)s” added.") % {"name": snippet.name})
            return _back(workspace, f"snippet-{snippet.pk}")
    return _page(request, workspace, bound=form, bound_key=NEW_SNIPPET_PREFIX, status=400)


@login_required
@require_POST
@workspace_view("content.library")
def snippet_update(
    request: AuthenticatedHttpRequest, membership: Membership, snippet_id: int
) -> HttpResponse:
    workspace = membership.workspace
    snippet = selectors.snippet_get(workspace=workspace, snippet_id=snippet_id)
    form = SnippetForm.for_snippet(snippet, request.POST)
    if form.is_valid():
        try:
            services.snippet_update(
                snippet=snippet,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Snippet “%(name)s” saved.") % {"name": snippet.name})
            return _back(workspace, f"snippet-{snippet.pk}")
    snippet.refresh_from_db()
    return _page(request, workspace, bound=form, bound_key=f"snippet-{snippet.pk}", status=400)


@login_required
@require_POST
@workspace_view("content.library")
def snippet_delete(
    request: AuthenticatedHttpRequest, membership: Membership, snippet_id: int
) -> HttpResponse:
    workspace = membership.workspace
    snippet = selectors.snippet_get(workspace=workspace, snippet_id=snippet_id)
    services.snippet_delete(snippet=snippet, by=request.user)
    messages.success(request, _("Snippet “%(name)s” deleted.") % {"name": snippet.name})
    return _back(workspace, "snippets")


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/library/", library, name="library"),
    path("w/<slug:slug>/library/hashtags/", hashtag_group_create, name="hashtag_group_create"),
    path(
        "w/<slug:slug>/library/hashtags/<int:group_id>/",
        hashtag_group_update,
        name="hashtag_group_update",
    ),
    path(
        "w/<slug:slug>/library/hashtags/<int:group_id>/delete/",
        hashtag_group_delete,
        name="hashtag_group_delete",
    ),
    path("w/<slug:slug>/library/snippets/", snippet_create, name="snippet_create"),
    path(
        "w/<slug:slug>/library/snippets/<int:snippet_id>/",
        snippet_update,
        name="snippet_update",
    ),
    path(
        "w/<slug:slug>/library/snippets/<int:snippet_id>/delete/",
        snippet_delete,
        name="snippet_delete",
    ),
]
