"""Pages: the content calendar (month and week, in the workspace's time zone), moving a post to
another day (drag and drop, or the "Move to…" form of each chip), and the exports of what the
calendar shows (iCalendar and CSV)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from content.models import Post
from content.selectors import calendar as selectors
from content.selectors.posts import PostFilters
from content.services import exports, planning
from smm.models import Membership, Workspace
from smm.selectors import heartbeat_status
from smm.tenancy import can, workspace_view

FILTER_PARAMS = ("channel", "campaign", "status", "author")


class CalendarForm(forms.Form):
    """The calendar's GET parameters. A value that does not fit is ignored, not an error page."""

    view = forms.ChoiceField(
        choices=[
            (selectors.MONTH, gettext_lazy("Month")),
            (selectors.WEEK, gettext_lazy("Week")),
        ],
        required=False,
    )
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    channel = forms.TypedChoiceField(
        label=gettext_lazy("Channel"), required=False, coerce=int, empty_value=None
    )
    campaign = forms.TypedChoiceField(
        label=gettext_lazy("Campaign"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    author = forms.TypedChoiceField(
        label=gettext_lazy("Author"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data: Any, *, choices: selectors.FilterChoices) -> None:
        super().__init__(data)
        self.fields["channel"].choices = [  # type: ignore[attr-defined]
            ("", _("All channels")),
            *[
                (c.pk, f"{c.get_platform_display()} {c.handle or c.display_name}")
                for c in choices.channels
            ],
        ]
        self.fields["campaign"].choices = [  # type: ignore[attr-defined]
            ("", _("All campaigns")),
            *[(c.pk, c.name) for c in choices.campaigns],
        ]
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("All statuses")),
            *Post.Status.choices,
        ]
        self.fields["author"].choices = [  # type: ignore[attr-defined]
            ("", _("All authors")),
            *[(u.pk, u.display_name) for u in choices.authors],
        ]
        self.is_valid()  # fills cleaned_data with the values that fit

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name)

    @property
    def view_name(self) -> str:
        return self.value("view") or selectors.MONTH

    def anchor(self) -> dt.date:
        return self.value("date") or timezone.localdate()

    def post_filters(self) -> PostFilters:
        channel, status = self.value("channel"), self.value("status")
        return PostFilters(
            channel_ids=(channel,) if channel else (),
            campaign_id=self.value("campaign"),
            statuses=(status,) if status else (),
            author_id=self.value("author"),
        )

    def filter_query(self) -> dict[str, str]:
        """The filters that apply, as GET parameters (for links that keep them)."""
        return {
            name: str(self.value(name))
            for name in FILTER_PARAMS
            if self.value(name) not in (None, "")
        }

    @property
    def filtered(self) -> bool:
        return bool(self.filter_query())


class MoveForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Move to"), input_formats=["%Y-%m-%d"])
    # The week view's hour rows (and the keyboard form) may give a new time of day.
    time = forms.TimeField(label=gettext_lazy("Time"), required=False, input_formats=["%H:%M"])


def _query(**params: object) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _calendar_url(workspace: Workspace, **params: object) -> str:
    url = reverse("content:calendar", args=[workspace.slug])
    query = _query(**params)
    return f"{url}?{query}" if query else url


@login_required
@require_safe
@workspace_view("content.view")
def calendar(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The calendar: ?view=month|week&date=YYYY-MM-DD and the filters channel, campaign, status,
    author. Weeks start on Monday; times and days are the workspace's."""
    workspace = membership.workspace
    choices = selectors.calendar_filter_choices(workspace=workspace)
    form = CalendarForm(request.GET, choices=choices)
    today = timezone.localdate()
    cal = selectors.calendar_get(
        membership=membership,
        view=form.view_name,
        anchor=form.anchor(),
        today=today,
        filters=form.post_filters(),
    )
    rng = cal.range
    filters = form.filter_query()
    here = {"view": rng.view, "date": rng.anchor.isoformat(), **filters}
    compose_url = (
        reverse("content:compose", args=[workspace.slug])
        if can(membership, "content.create")
        else ""
    )
    return render(
        request,
        "content/calendar.html",
        {
            "workspace": workspace,
            "cal": cal,
            "form": form,
            "today": today,
            "view": rng.view,
            "filtered": form.filtered,
            "prev_url": _calendar_url(workspace, **{**here, "date": rng.previous.isoformat()}),
            "next_url": _calendar_url(workspace, **{**here, "date": rng.next.isoformat()}),
            "today_url": _calendar_url(workspace, **{**here, "date": today.isoformat()}),
            "month_url": _calendar_url(workspace, **{**here, "view": selectors.MONTH}),
            "week_url": _calendar_url(workspace, **{**here, "view": selectors.WEEK}),
            "clear_filters_url": _calendar_url(workspace, view=rng.view, date=here["date"]),
            "here_url": _calendar_url(workspace, **here),
            "query": _query(**here),
            "compose_url": compose_url,
            # The header warns admins about stale workers (base.html); the calendar warns everyone
            # else too, since nothing scheduled here goes out while the workers are down.
            "worker_status": heartbeat_status(),
        },
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _move_refused(
    request: HttpRequest, workspace: Workspace, message: str, status: int
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": message}, status=status)
    messages.error(request, message)
    return redirect(_back(request, workspace))


def _back(request: HttpRequest, workspace: Workspace) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("content:calendar", args=[workspace.slug])


@login_required
@require_POST
@workspace_view("content.view")
def calendar_move(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    """Move post `post_id` to the day `date` (YYYY-MM-DD), keeping its time of day in the
    workspace's zone unless `time` (HH:MM) is given. planning.post_reschedule decides whether
    it may move (published posts, past times, roles); a refusal says why.

    Answers JSON ({ok, message, date, time, at} or {ok: false, error}) to fetch requests that
    accept it, else redirects back (`next`, or the calendar) with a message. Another
    workspace's post is a 404.
    """
    workspace = membership.workspace
    post = get_object_or_404(Post.objects.for_workspace(workspace), pk=post_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _move_refused(request, workspace, _("Pick a day to move the post to."), 400)
    try:
        at = selectors.moved_publish_time(
            current=post.scheduled_at,
            day=form.cleaned_data["date"],
            at=form.cleaned_data["time"],
            tz_name=workspace.timezone,
        )
        post = planning.post_reschedule(post=post, membership=membership, at=at)
    except ValidationError as exc:
        return _move_refused(request, workspace, " ".join(exc.messages), 400)
    except PermissionDenied as exc:
        message = str(exc) or _("Your role in this workspace does not allow moving this post.")
        return _move_refused(request, workspace, message, 403)
    local = timezone.localtime(post.scheduled_at)
    # "Thursday 10 December 2026, 09:30": day and month names in the user's language.
    message = _("Moved to %(when)s.") % {"when": formats.date_format(local, "l j F Y, H:i")}
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "date": local.date().isoformat(),
                "time": local.strftime("%H:%M"),
                "at": post.scheduled_at.isoformat(),  # type: ignore[union-attr]
            }
        )
    messages.success(request, message)
    return redirect(_back(request, workspace))


def _export_posts(
    request: HttpRequest, workspace: Workspace
) -> tuple[selectors.CalendarRange, Any]:
    choices = selectors.calendar_filter_choices(workspace=workspace)
    form = CalendarForm(request.GET, choices=choices)
    rng, posts = selectors.calendar_export_posts(
        workspace=workspace, view=form.view_name, anchor=form.anchor(), filters=form.post_filters()
    )
    return rng, posts


def _download(body: str | bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
@workspace_view("content.view")
def calendar_export_ics(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The calendar's range and filters (same GET parameters) as an .ics file."""
    workspace = membership.workspace
    rng, posts = _export_posts(request, workspace)
    body = exports.posts_ics(workspace=workspace, posts=posts)
    name = f"{workspace.slug}-posts-{rng.first_day}-{rng.last_day}.ics"
    return _download(body, "text/calendar; charset=utf-8", name)


@login_required
@require_safe
@workspace_view("content.view")
def posts_export_csv(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The calendar's range and filters (same GET parameters) as CSV for spreadsheets and the
    CSV import."""
    workspace = membership.workspace
    rng, posts = _export_posts(request, workspace)
    body = exports.posts_csv(workspace=workspace, posts=posts)
    name = f"{workspace.slug}-posts-{rng.first_day}-{rng.last_day}.csv"
    return _download(body, "text/csv; charset=utf-8", name)


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/calendar/", calendar, name="calendar"),
    path(
        "w/<slug:slug>/calendar/posts/<int:post_id>/move/",
        calendar_move,
        name="calendar_move",
    ),
    path("w/<slug:slug>/calendar/export.ics", calendar_export_ics, name="calendar_export_ics"),
    path("w/<slug:slug>/calendar/export.csv", posts_export_csv, name="posts_export_csv"),
]
