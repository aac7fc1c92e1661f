"""Pages: a post's publishing panel (per channel: state, link to the published post, first
comment, attempt log) and what a person does with a target that did not go out (retry now, mark
as published or not, reschedule) or went out twice (delete the extra copy); the workspace's list
of publishing problems.

The panel is a partial of the post page and of the composer: it loads itself through htmx (GET
content:publishing_panel), so those pages only include it; its forms post to the target actions.
With htmx an action re-renders the panel (or the problems list) in place, with a notice or the
reason it was refused and what was typed. Without htmx, success redirects back (`next`, else the
post page) with a message, and a refusal renders the page again with the reason: 400 for a
state rule (ValidationError), 403 for a role (PermissionDenied).

Roles and state rules are decided by content.services.publishing; the views resolve the
workspace (404 for outsiders) and the target within that post and workspace (404 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from content.models import PostTarget
from content.selectors.publishing import (
    post_publishing,
    problem_rows,
    publishing_problems,
    target_get,
)
from content.services import publishing as services
from content.services.retrying import target_retry_confirmed
from smm.models import Membership, Workspace
from smm.tenancy import workspace_view

PANEL_TEMPLATE = "content/_publishing_panel.html"
POST_PAGE_TEMPLATE = "content/publishing_post.html"
PROBLEMS_TEMPLATE = "content/publishing_problems.html"
PROBLEMS_PAGE_SIZE = 50


class RetryForm(forms.Form):
    """Retry now; for an unknown outcome the person confirms the post is not on the platform."""

    confirm_not_published = forms.BooleanField(required=False)


class MarkPublishedForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("Link to the post (optional)"),
        required=False,
        max_length=1000,
        assume_scheme="https",
    )


class RescheduleForm(forms.Form):
    """A new publish time, as wall-clock date and time in the workspace's time zone."""

    publish_date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    publish_time = forms.TimeField(
        label=gettext_lazy("Time"), widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args: Any, tz_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = ZoneInfo(tz_name)

    def at(self) -> datetime:
        """The aware time picked. A time skipped by a daylight-saving change (02:30 on the
        spring-forward night) moves to the first existing time after it."""
        local = datetime.combine(
            self.cleaned_data["publish_date"], self.cleaned_data["publish_time"], tzinfo=self.tz
        )
        return local.astimezone(UTC).astimezone(self.tz)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _from_problems(request: HttpRequest) -> bool:
    return request.POST.get("from") == "problems"


def _next_url(request: HttpRequest, workspace: Workspace, target: PostTarget) -> str:
    """Where to go after an action: a safe `next`, else the problems list or the post page."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    if _from_problems(request):
        return reverse("content:publishing_problems", args=[workspace.slug])
    return reverse("content:post_detail", args=[workspace.slug, target.post_id])


# Rendering --------------------------------------------------------------------------------------


def _panel_context(membership: Membership, post_id: int, **extra: Any) -> dict[str, Any]:
    workspace = membership.workspace
    panel = post_publishing(workspace=workspace, post_id=post_id, membership=membership)
    return {
        "workspace": workspace,
        "post": panel.post,
        "publishing": panel,
        "timezone_name": workspace.timezone,
        "here": "panel",
        **extra,
    }


def _problems_context(request: HttpRequest, membership: Membership, **extra: Any) -> dict[str, Any]:
    workspace = membership.workspace
    page = Paginator(publishing_problems(workspace=workspace), PROBLEMS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {
        "workspace": workspace,
        "page": page,
        "rows": problem_rows(list(page.object_list), membership),
        "timezone_name": workspace.timezone,
        "here": "problems",
        **extra,
    }


def _render_after(
    request: HttpRequest,
    membership: Membership,
    target: PostTarget,
    *,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """The panel (or the problems list) again, with a notice or an error for `target`."""
    if _from_problems(request):
        context = _problems_context(request, membership, **extra)
        if _is_htmx(request):
            return render(request, f"{PROBLEMS_TEMPLATE}#problems", context)
        return render(request, PROBLEMS_TEMPLATE, context, status=status)
    context = _panel_context(membership, target.post_id, **extra)
    if _is_htmx(request):
        return render(request, PANEL_TEMPLATE, context)
    return render(request, POST_PAGE_TEMPLATE, context, status=status)


def _succeeded(
    request: HttpRequest, membership: Membership, target: PostTarget, message: str
) -> HttpResponse:
    if _is_htmx(request):
        return _render_after(request, membership, target, notice=message, notice_target=target.pk)
    messages.success(request, message)
    return redirect(_next_url(request, membership.workspace, target))


def _refused(
    request: HttpRequest,
    membership: Membership,
    target: PostTarget,
    exc: ValidationError | PermissionDenied,
    *,
    form: str,
    typed: dict[str, str] | None = None,
) -> HttpResponse:
    """Why the action did not happen, next to the target, keeping what was typed. htmx gets 200
    (it swaps only successful responses); a plain POST gets 403 for a role, 400 otherwise."""
    if isinstance(exc, PermissionDenied):
        errors = [str(exc) or _("Your role does not allow this.")]
        status = 403
    else:
        errors = [str(m) for m in exc.messages]
        status = 400
    return _render_after(
        request,
        membership,
        target,
        status=status,
        errors=errors,
        error_target=target.pk,
        typed={**(typed or {}), "form": form},
    )


def _channel_name(target: PostTarget) -> str:
    return f"{target.channel.get_platform_display()} {target.channel.handle}".strip()


# The panel and the problems list ------------------------------------------------------------------


@login_required
@require_GET
@workspace_view("content.view")
def publishing_panel(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    """The publishing panel of one post: loaded by the post page and the composer (htmx); a page
    of its own without htmx."""
    context = _panel_context(membership, post_id)
    return render(request, PANEL_TEMPLATE if _is_htmx(request) else POST_PAGE_TEMPLATE, context)


@login_required
@require_GET
@workspace_view("content.view")
def publishing_problems_view(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Every target of the workspace that failed or needs attention, with the same actions as
    the post page."""
    return render(request, PROBLEMS_TEMPLATE, _problems_context(request, membership))


# Actions ----------------------------------------------------------------------------------------


def _action(
    membership: Membership,
    post_id: int,
    target_id: int,
    run: Callable[[PostTarget], HttpResponse],
) -> HttpResponse:
    """`run` with the target `target_id` of post `post_id` in the member's workspace; 404 when
    there is none. The services decide the role and the state rules."""
    target = target_get(workspace=membership.workspace, post_id=post_id, target_id=target_id)
    return run(target)


@login_required
@require_POST
@workspace_view("content.view")
def target_retry_view(
    request: HttpRequest, membership: Membership, post_id: int, target_id: int
) -> HttpResponse:
    """Send a failed or needs-attention target again now. When the outcome of the last attempt
    is unknown, `confirm_not_published` must say the person checked it is not on the platform."""

    def run(target: PostTarget) -> HttpResponse:
        form = RetryForm(request.POST)
        form.is_valid()
        try:
            target_retry_confirmed(
                target=target,
                membership=membership,
                confirmed_not_published=bool(form.cleaned_data.get("confirm_not_published")),
            )
        except (ValidationError, PermissionDenied) as exc:
            return _refused(request, membership, target, exc, form="retry")
        return _succeeded(
            request,
            membership,
            target,
            _("Sending it again on %(channel)s now.") % {"channel": _channel_name(target)},
        )

    return _action(membership, post_id, target_id, run)


@login_required
@require_POST
@workspace_view("content.view")
def target_mark_published_view(
    request: HttpRequest, membership: Membership, post_id: int, target_id: int
) -> HttpResponse:
    """A person found the post on the platform: record it as published, with its link if given."""

    def run(target: PostTarget) -> HttpResponse:
        form = MarkPublishedForm(request.POST)
        typed = {"url": request.POST.get("url", "")}
        if not form.is_valid():
            error = ValidationError([m for msgs in form.errors.values() for m in msgs])
            return _refused(request, membership, target, error, form="published", typed=typed)
        try:
            services.target_mark_published(
                target=target, membership=membership, url=form.cleaned_data["url"]
            )
        except (ValidationError, PermissionDenied) as exc:
            return _refused(request, membership, target, exc, form="published", typed=typed)
        return _succeeded(
            request,
            membership,
            target,
            _("Marked as published on %(channel)s.") % {"channel": _channel_name(target)},
        )

    return _action(membership, post_id, target_id, run)


@login_required
@require_POST
@workspace_view("content.view")
def target_mark_not_published_view(
    request: HttpRequest, membership: Membership, post_id: int, target_id: int
) -> HttpResponse:
    """A person checked the platform and the post is not there: the target becomes failed."""

    def run(target: PostTarget) -> HttpResponse:
        try:
            services.target_mark_not_published(target=target, membership=membership)
        except (ValidationError, PermissionDenied) as exc:
            return _refused(request, membership, target, exc, form="not_published")
        return _succeeded(
            request,
            membership,
            target,
            _("Marked as not published on %(channel)s: retry or reschedule it.")
            % {"channel": _channel_name(target)},
        )

    return _action(membership, post_id, target_id, run)


@login_required
@require_POST
@workspace_view("content.view")
def target_reschedule_view(
    request: HttpRequest, membership: Membership, post_id: int, target_id: int
) -> HttpResponse:
    """Put a failed or needs-attention target back on the schedule at a date and time in the
    workspace's time zone."""

    def run(target: PostTarget) -> HttpResponse:
        form = RescheduleForm(request.POST, tz_name=membership.workspace.timezone)
        typed = {
            "publish_date": request.POST.get("publish_date", ""),
            "publish_time": request.POST.get("publish_time", ""),
        }
        if not form.is_valid():
            error = ValidationError(_("Pick a valid date and time."))
            return _refused(request, membership, target, error, form="reschedule", typed=typed)
        try:
            target = services.target_reschedule(target=target, membership=membership, at=form.at())
        except (ValidationError, PermissionDenied) as exc:
            return _refused(request, membership, target, exc, form="reschedule", typed=typed)
        when = formats.date_format(timezone.localtime(target.scheduled_at), "DATETIME_FORMAT")
        return _succeeded(
            request,
            membership,
            target,
            _("Rescheduled on %(channel)s for %(when)s.")
            % {"channel": _channel_name(target), "when": when},
        )

    return _action(membership, post_id, target_id, run)


@login_required
@require_POST
@workspace_view("content.view")
def target_delete_duplicate_view(
    request: HttpRequest, membership: Membership, post_id: int, target_id: int
) -> HttpResponse:
    """Delete the extra copy of a target that went out twice, on the platform (where its API
    allows it; otherwise the answer says to delete it there)."""

    def run(target: PostTarget) -> HttpResponse:
        try:
            services.target_delete_duplicate(target=target, membership=membership)
        except (ValidationError, PermissionDenied) as exc:
            return _refused(request, membership, target, exc, form="delete_duplicate")
        return _succeeded(
            request,
            membership,
            target,
            _("The extra copy on %(channel)s was deleted.") % {"channel": _channel_name(target)},
        )

    return _action(membership, post_id, target_id, run)


_TARGET = "w/<slug:slug>/posts/<int:post_id>/targets/<int:target_id>/"

urlpatterns: list[URLPattern] = [
    path(
        "w/<slug:slug>/posts/<int:post_id>/publishing/",
        publishing_panel,
        name="publishing_panel",
    ),
    path(
        "w/<slug:slug>/publishing/problems/",
        publishing_problems_view,
        name="publishing_problems",
    ),
    path(f"{_TARGET}retry/", target_retry_view, name="target_retry"),
    path(f"{_TARGET}mark-published/", target_mark_published_view, name="target_mark_published"),
    path(
        f"{_TARGET}mark-not-published/",
        target_mark_not_published_view,
        name="target_mark_not_published",
    ),
    path(f"{_TARGET}reschedule/", target_reschedule_view, name="target_reschedule"),
    path(
        f"{_TARGET}delete-duplicate/",
        target_delete_duplicate_view,
        name="target_delete_duplicate",
    ),
]
