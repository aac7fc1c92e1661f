"""Pages: the post list, the composer (new and existing posts), the read-only post page, and the
composer's background calls (autosave, live check) and the post's actions (schedule, unschedule,
add to queue, delete, comment).

Roles: viewers see posts and comment; contributors write their own posts (scheduled directly
when the workspace needs no approval, submitted for approval otherwise); editors and up do
everything. The services decide; pages only show the buttons the user may use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from content.forms import CommentForm, ComposerForm, PostFilterForm, ScheduleForm, raw_input
from content.models import Post
from content.selectors import previews as pv
from content.selectors.posts import PostFilters, post_get, post_list
from content.selectors.publishing import publishing_problem_count
from content.services import approval, editing, planning
from content.services import posts as post_services
from content.services.checks import PostCheck, PostInput
from smm.models import Membership, User, Workspace
from smm.tenancy import can, workspace_view

PAGE_SIZE = 25
INTENTS = ("save", "schedule", "queue", "submit")
APPROVAL_PANEL = "content/_approval_panel.html"


def _is_htmx(request: HttpRequest) -> bool:
    """Whether django-htmx's middleware saw an htmx request (`request.htmx` is not typed)."""
    return bool(getattr(request, "htmx", False))


def _template_exists(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


# The post list ----------------------------------------------------------------------------------


@login_required
@require_safe
@workspace_view("content.view")
def post_list_view(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The workspace's posts, newest change first, filtered by status, channel, campaign,
    author and text (GET parameters)."""
    workspace = membership.workspace
    options = pv.composer_options(workspace=workspace)
    authors = list(User.objects.filter(memberships__workspace=workspace).order_by("name", "email"))
    form = PostFilterForm(
        request.GET or None,
        channels=options.channels,
        campaigns=options.campaigns,
        authors=authors,
    )
    filters = PostFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = PostFilters(
            channel_ids=(data["channel"],) if data["channel"] else (),
            campaign_id=data["campaign"],
            statuses=(data["status"],) if data["status"] else (),
            author_id=data["author"],
            q=data["q"].strip(),
        )
    page = Paginator(post_list(workspace=workspace, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "content/post_list.html",
        {
            "workspace": workspace,
            "form": form,
            "page": page,
            "posts": list(page.object_list),
            "filter_query": query.urlencode(),
            "filtered": filters != PostFilters(),
            "can_create": can(membership, "content.create"),
            "can_import": can(membership, "content.import"),
            "can_settings": can(membership, "content.settings"),
            "publishing_problem_count": publishing_problem_count(workspace=workspace),
        },
    )


# The composer ----------------------------------------------------------------------------------


@dataclass
class Abilities:
    """What the user may do with the post on this page (the services check again)."""

    edit: bool
    schedule: bool
    submit: bool
    delete: bool
    comment: bool
    unschedule: bool


def _abilities(membership: Membership, post: Post | None) -> Abilities:
    probe = post or Post(workspace=membership.workspace, author_id=membership.user_id)
    editable = (
        post_services.can_edit(membership, probe) and probe.status != Post.Status.PUBLISHED
        if post is not None
        else can(membership, "content.create")
    )
    may_schedule = editable and planning.may_schedule(membership, probe)
    needs_approval = approval.approval_needed(membership)
    return Abilities(
        edit=editable,
        schedule=may_schedule and probe.status != Post.Status.IN_REVIEW,
        submit=editable
        and needs_approval
        and not may_schedule
        and probe.status in (Post.Status.DRAFT, Post.Status.CHANGES_REQUESTED),
        delete=post is not None
        and post_services.can_edit(membership, post)
        and not any(t.status in post_services.LOCKED_TARGET_STATES for t in post.targets.all()),
        comment=post is not None and can(membership, "content.comment"),
        unschedule=post is not None
        and post.status == Post.Status.SCHEDULED
        and planning.may_schedule(membership, post),
    )


def _form(
    workspace: Workspace,
    options: pv.ComposerOptions,
    *,
    data: Any = None,
    initial: dict | None = None,
) -> ComposerForm:
    return ComposerForm(
        data,
        initial=initial,
        channels=options.channels,
        campaigns=options.campaigns,
        tz_name=workspace.timezone,
    )


def _live_check(
    workspace: Workspace, data: PostInput, post: Post | None
) -> tuple[PostCheck | None, list[pv.Preview], list[str]]:
    """The check and previews of `data`; ValidationError (foreign ids) becomes messages."""
    try:
        result = post_services.check(workspace=workspace, data=data, post=post)
    except ValidationError as exc:
        return None, [], exc.messages
    assets = pv.assets_by_id(workspace=workspace, data=data)
    previews = pv.previews_for_input(workspace=workspace, data=data, check=result, assets=assets)
    return result, previews, []


def _composer_page(
    request: HttpRequest,
    membership: Membership,
    *,
    post: Post | None,
    form: ComposerForm,
    state: PostInput,
    status: int = 200,
    action_errors: list[str] | None = None,
    conflict: Post | None = None,
) -> HttpResponse:
    workspace = membership.workspace
    options = pv.composer_options(
        workspace=workspace,
        include_channel_ids=[t.channel_id for t in post.targets.all()] if post else [],
    )
    assets = pv.assets_by_id(workspace=workspace, data=state)
    tabs = pv.channel_tabs(
        workspace=workspace, channels=options.channels, data=state, assets=assets
    )
    result, previews, check_messages = _live_check(workspace, state, post)
    abilities = _abilities(membership, post)
    context = {
        "workspace": workspace,
        "membership": membership,
        "post": post,
        "form": form,
        "state": state,
        "options": options,
        "tabs": tabs,
        "master_media": pv.picked_media(workspace, state.media, assets),
        "check": result,
        "previews": previews,
        "check_messages": check_messages,
        "can": abilities,
        "action_errors": action_errors or [],
        "conflict": conflict,
        "autosave": post is None or post.status not in (Post.Status.SCHEDULED,),
        "approval_panel": APPROVAL_PANEL if post and _template_exists(APPROVAL_PANEL) else "",
        "comment_form": CommentForm(),
        "timezone_name": workspace.timezone,
        "autosave_url": (
            reverse("content:post_autosave", args=[workspace.slug, post.pk])
            if post
            else reverse("content:post_autosave", args=[workspace.slug])
        ),
        "check_url": (
            reverse("content:post_check", args=[workspace.slug, post.pk])
            if post
            else reverse("content:post_check", args=[workspace.slug])
        ),
        "storage_key": f"ripple:composer:{workspace.slug}:{post.pk if post else 'new'}",
    }
    return render(request, "content/composer.html", context, status=status)


def _submit(request: HttpRequest, membership: Membership, post: Post | None) -> HttpResponse:
    """A composer POST (Save draft / Schedule / Add to queue / Submit for approval)."""
    workspace = membership.workspace
    options = pv.composer_options(
        workspace=workspace,
        include_channel_ids=[t.channel_id for t in post.targets.all()] if post else [],
    )
    form = _form(workspace, options, data=request.POST)
    intent = request.POST.get("intent", "save")
    if intent not in INTENTS:
        intent = "save"
    if not form.is_valid():
        return _composer_page(
            request, membership, post=post, form=form, state=raw_input(request.POST), status=400
        )
    data = form.post_input
    if data is None:  # is_valid() sets it; kept for the type checker
        raise ValueError("the composer form has no input")
    force = request.POST.get("overwrite_version")
    expected = int(force) if force and force.isdigit() else form.cleaned_data.get("version")
    try:
        edited = _USE_CASES[intent](
            workspace=workspace,
            membership=membership,
            data=data,
            post=post,
            expected_version=expected if post is not None else None,
        )
    except post_services.VersionConflict as exc:
        return _composer_page(
            request,
            membership,
            post=post,
            form=form,
            state=data,
            status=409,
            conflict=exc.post,
        )
    except (ValidationError, PermissionDenied) as exc:
        return _action_failed(request, membership, post, form, data, exc)
    saved = edited.post
    if edited.refused is not None:
        # The draft is saved (with what was typed); the action did not happen.
        form = _form(workspace, options, data=_with_version(request.POST, saved.version))
        form.is_valid()
        return _composer_page(
            request,
            membership,
            post=post_get(workspace=workspace, post_id=saved.pk),
            form=form,
            state=data,
            status=400,
            action_errors=_messages_of(edited.refused),
        )
    was_scheduled = post is not None and post.status == Post.Status.SCHEDULED
    messages.success(request, _done_message(intent, saved, was_scheduled=was_scheduled))
    return redirect("content:post_detail", slug=workspace.slug, post_id=saved.pk)


class _UseCase(Protocol):
    def __call__(
        self,
        *,
        workspace: Workspace,
        membership: Membership,
        data: PostInput,
        post: Post | None = None,
        expected_version: int | None = None,
    ) -> editing.PostEdited: ...


def _post_edit(
    *,
    workspace: Workspace,
    membership: Membership,
    data: PostInput,
    post: Post | None = None,
    expected_version: int | None = None,
) -> editing.PostEdited:
    saved = editing.post_edit(
        workspace=workspace,
        membership=membership,
        data=data,
        post=post,
        expected_version=expected_version,
    )
    return editing.PostEdited(saved)


# The buttons of the composer: each is one use case (content.services.editing). "Save" of a
# scheduled post is its "Update": saved and checked again, or nothing changes.
_USE_CASES: dict[str, _UseCase] = {
    "save": _post_edit,
    "schedule": editing.post_save_and_schedule,
    "queue": editing.post_save_and_queue,
    "submit": editing.post_save_and_submit,
}


def _done_message(intent: str, post: Post, *, was_scheduled: bool) -> str:
    if was_scheduled and post.status == Post.Status.IN_REVIEW:
        # The edit of an approved, scheduled post by a contributor sent it back for review.
        return _("Sent for approval. The approvers have been told.")
    if post.status == Post.Status.SCHEDULED and intent in ("save", "schedule", "queue"):
        when = formats.date_format(timezone.localtime(post.scheduled_at), "DATETIME_FORMAT")
        if intent == "queue":
            return _("Added to the queue: it goes out %(when)s.") % {"when": when}
        return _("Scheduled for %(when)s.") % {"when": when}
    if intent == "submit":
        return _("Sent for approval. The approvers have been told.")
    return _("Draft saved.")


def _messages_of(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc) or _("Your role does not allow this.")]


def _with_version(data: Any, version: int) -> Any:
    copy = data.copy()
    copy["version"] = str(version)
    copy.pop("overwrite_version", None)
    return copy


def _action_failed(
    request: HttpRequest,
    membership: Membership,
    post: Post | None,
    form: ComposerForm,
    data: PostInput,
    exc: Exception,
) -> HttpResponse:
    """Nothing was saved (a refused save, or a scheduled post's update rolled back): show the
    composer again with what was typed and why."""
    messages_shown: list[str] = []
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, field_errors in exc.error_dict.items():
            for error in field_errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        messages_shown = _messages_of(exc)
    if post is not None:
        messages_shown.insert(0, _("Nothing was changed: the post stays as it was."))
    return _composer_page(
        request,
        membership,
        post=post,
        form=form,
        state=data,
        status=400,
        action_errors=messages_shown,
    )


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("content.create")
def compose(request: HttpRequest, membership: Membership) -> HttpResponse:
    """A new post. GET `?date=YYYY-MM-DD&time=HH:MM` (from the calendar) presets the time."""
    workspace = membership.workspace
    if request.method == "POST":
        return _submit(request, membership, None)
    options = pv.composer_options(workspace=workspace)
    initial = ComposerForm.initial_for(None, None, workspace.timezone)
    for key, param in (("publish_date", "date"), ("publish_time", "time")):
        if request.GET.get(param):
            initial[key] = request.GET[param]
    if request.GET.get("campaign", "").isdigit():
        initial["campaign"] = int(request.GET["campaign"])
    form = _form(workspace, options, initial=initial)
    state = PostInput(campaign_id=initial.get("campaign"))
    return _composer_page(request, membership, post=None, form=form, state=state)


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("content.view")
def post_detail(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    """The composer for a post the user may edit; a read-only page with previews and each
    channel's state otherwise (viewers, other people's posts, published posts)."""
    workspace = membership.workspace
    post = post_get(workspace=workspace, post_id=post_id)
    abilities = _abilities(membership, post)
    if request.method == "POST":
        if not abilities.edit:
            raise PermissionDenied
        return _submit(request, membership, post)
    if abilities.edit:
        data = post_services.input_from_post(post)
        options = pv.composer_options(workspace=workspace, include_channel_ids=data.channel_ids)
        form = _form(
            workspace,
            options,
            initial=ComposerForm.initial_for(post, data, workspace.timezone),
        )
        return _composer_page(request, membership, post=post, form=form, state=data)
    return _post_page(request, membership, post)


def _post_page(request: HttpRequest, membership: Membership, post: Post) -> HttpResponse:
    workspace = membership.workspace
    try:
        result = post_services.check_saved(post)
    except ValidationError:
        result = PostCheck()
    previews = pv.previews_for_post(post=post, check=result)
    return render(
        request,
        "content/post_detail.html",
        {
            "workspace": workspace,
            "membership": membership,
            "post": post,
            "previews": previews,
            "check": result,
            "can": _abilities(membership, post),
            "approval_panel": APPROVAL_PANEL if _template_exists(APPROVAL_PANEL) else "",
            "comment_form": CommentForm(),
            "schedule_form": ScheduleForm(tz_name=workspace.timezone),
            "timezone_name": workspace.timezone,
        },
    )


# Background calls of the composer --------------------------------------------------------------


def _logged_out() -> JsonResponse:
    return JsonResponse(
        {
            "ok": False,
            "reason": "logged_out",
            "message": _(
                "Not saved: you were logged out — log in again in another tab; your text is "
                "kept here."
            ),
        },
        status=401,
    )


def _json_refused(request: HttpRequest, reason: str) -> JsonResponse:
    """The composer's fetch() calls are refused in JSON, which its script shows in place (a
    login page or an HTML 403 would be lost): 401 when logged out, 403 for a role too weak."""
    if reason == "logged_out":
        return _logged_out()
    return JsonResponse(
        {"ok": False, "reason": "forbidden", "message": _("Your role cannot write posts.")},
        status=403,
    )


@require_POST
@workspace_view("content.create", on_refused=_json_refused)
def post_autosave(
    request: HttpRequest, membership: Membership, post_id: int | None = None
) -> JsonResponse:
    """Save the composer's state as it is (a draft keeps whatever was typed).

    Answers JSON: 200 {ok, post_id, version, saved_at, url, autosave_url, check_url}; 400
    {errors} for input that cannot be stored (an impossible date, another workspace's id);
    401 when logged out; 403 when the role may not; 404 for non-members; 409 {conflict,
    version} when the post was changed elsewhere since `version`: nothing is overwritten.
    """
    workspace = membership.workspace
    post = post_get(workspace=workspace, post_id=post_id) if post_id is not None else None
    if post is not None and post.status == Post.Status.SCHEDULED:
        return JsonResponse(
            {
                "ok": False,
                "reason": "scheduled",
                "message": _("A scheduled post changes only when you click “Update”."),
            },
            status=409,
        )
    options = pv.composer_options(
        workspace=workspace,
        include_channel_ids=[t.channel_id for t in post.targets.all()] if post else [],
    )
    form = _form(workspace, options, data=request.POST)
    if not form.is_valid() or form.post_input is None:  # is_valid() sets post_input
        return JsonResponse(
            {"ok": False, "reason": "invalid", "errors": form.error_list()}, status=400
        )
    try:
        saved = post_services.post_save(  # a draft's autosave: one service, nothing composed
            workspace=workspace,
            membership=membership,
            data=form.post_input,
            post=post,
            expected_version=form.cleaned_data.get("version") if post is not None else None,
        )
    except post_services.VersionConflict as exc:
        return JsonResponse(
            {
                "ok": False,
                "reason": "conflict",
                "version": exc.post.version,
                "message": _(
                    "Not saved: this post was changed in another tab or by someone else. "
                    "Reload to see that version; your text is kept here until you do."
                ),
            },
            status=409,
        )
    except PermissionDenied as exc:
        return JsonResponse({"ok": False, "reason": "forbidden", "message": str(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"ok": False, "reason": "invalid", "errors": exc.messages}, status=400)
    return JsonResponse(
        {
            "ok": True,
            "post_id": saved.pk,
            "version": saved.version,
            "saved_at": formats.time_format(timezone.localtime(saved.updated_at), "H:i"),
            "url": reverse("content:post_detail", args=[workspace.slug, saved.pk]),
            "autosave_url": reverse("content:post_autosave", args=[workspace.slug, saved.pk]),
            "check_url": reverse("content:post_check", args=[workspace.slug, saved.pk]),
        }
    )


@require_POST
@workspace_view("content.view", on_refused=_json_refused)
def post_check(
    request: HttpRequest, membership: Membership, post_id: int | None = None
) -> HttpResponse:
    """The live validation and previews of the composer's current (unsaved) form, as the
    `_check.html` partial. 401 (JSON) when logged out, 404 for non-members."""
    workspace = membership.workspace
    post = post_get(workspace=workspace, post_id=post_id) if post_id is not None else None
    options = pv.composer_options(
        workspace=workspace,
        include_channel_ids=[t.channel_id for t in post.targets.all()] if post else [],
    )
    form = _form(workspace, options, data=request.POST)
    form.is_valid()
    data = form.post_input or raw_input(request.POST)
    result, previews, check_messages = _live_check(workspace, data, post)
    return render(
        request,
        "content/_check.html",
        {
            "workspace": workspace,
            "check": result,
            "previews": previews,
            "check_messages": check_messages + form.error_list(),
        },
    )


# Actions on a saved post -------------------------------------------------------------------------


def _back(request: HttpRequest, workspace: Workspace, post_id: int) -> HttpResponse:
    return redirect("content:post_detail", slug=workspace.slug, post_id=post_id)


@login_required
@require_POST
@workspace_view("content.view")
def post_schedule_view(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    """Schedule a saved post at its planned time, or at the date and time posted."""
    workspace = membership.workspace
    post = post_get(workspace=workspace, post_id=post_id)
    form = ScheduleForm(request.POST, tz_name=workspace.timezone)
    if not form.is_valid():
        messages.error(request, _("Pick a valid date and time."))
        return _back(request, workspace, post.pk)
    try:
        post = planning.post_schedule(post=post, membership=membership, at=form.at())
    except ValidationError as exc:
        messages.error(request, _("Not scheduled: %(why)s") % {"why": " ".join(exc.messages)})
    else:
        when = formats.date_format(timezone.localtime(post.scheduled_at), "DATETIME_FORMAT")
        messages.success(request, _("Scheduled for %(when)s.") % {"when": when})
    return _back(request, workspace, post.pk)


@login_required
@require_POST
@workspace_view("content.view")
def post_unschedule_view(
    request: HttpRequest, membership: Membership, post_id: int
) -> HttpResponse:
    workspace = membership.workspace
    post = post_get(workspace=workspace, post_id=post_id)
    try:
        planning.post_unschedule(post=post, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Taken off the schedule. It is kept as a draft."))
    return _back(request, workspace, post.pk)


@login_required
@require_POST
@workspace_view("content.view")
def post_queue_view(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    """Schedule a saved post in its channels' next free posting slot."""
    workspace = membership.workspace
    post = post_get(workspace=workspace, post_id=post_id)
    try:
        post = planning.post_add_to_queue(post=post, membership=membership)
    except ValidationError as exc:
        messages.error(request, _("Not queued: %(why)s") % {"why": " ".join(exc.messages)})
    else:
        when = formats.date_format(timezone.localtime(post.scheduled_at), "DATETIME_FORMAT")
        messages.success(request, _("Added to the queue: it goes out %(when)s.") % {"when": when})
    return _back(request, workspace, post.pk)


@login_required
@require_POST
@workspace_view("content.view")
def post_delete_view(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    workspace = membership.workspace
    post = post_get(workspace=workspace, post_id=post_id)
    try:
        post_services.post_delete(post=post, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(request, workspace, post.pk)
    messages.success(request, _("Post deleted."))
    return redirect("content:post_list", slug=workspace.slug)


@login_required
@require_POST
@workspace_view("content.comment")
def post_comment_view(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    """Add an internal comment; htmx gets the comments partial back, others the post page."""
    workspace = membership.workspace
    post = post_get(workspace=workspace, post_id=post_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            post_services.post_comment_add(
                post=post, body=form.cleaned_data["body"], by=membership.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("body", message)
        else:
            form = CommentForm()
            if not _is_htmx(request):
                messages.success(request, _("Comment added."))
    if _is_htmx(request):
        return render(
            request,
            "content/_comments.html",
            {
                "workspace": workspace,
                "post": post,
                "comments": list(post.comments.select_related("author")),
                "comment_form": form,
                "can": _abilities(membership, post),
            },
            status=200 if not form.errors else 400,
        )
    if form.errors:
        # An ErrorList yields its messages as text (str() of a lazy one translates it).
        shown = [str(message) for errors in form.errors.values() for message in errors]
        messages.error(request, " ".join(shown))
    return redirect(reverse("content:post_detail", args=[workspace.slug, post.pk]) + "#comments")


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/posts/", post_list_view, name="post_list"),
    path("w/<slug:slug>/posts/new/", compose, name="compose"),
    path("w/<slug:slug>/posts/autosave/", post_autosave, name="post_autosave"),
    path("w/<slug:slug>/posts/check/", post_check, name="post_check"),
    path("w/<slug:slug>/posts/<int:post_id>/", post_detail, name="post_detail"),
    path("w/<slug:slug>/posts/<int:post_id>/autosave/", post_autosave, name="post_autosave"),
    path("w/<slug:slug>/posts/<int:post_id>/check/", post_check, name="post_check"),
    path("w/<slug:slug>/posts/<int:post_id>/schedule/", post_schedule_view, name="post_schedule"),
    path(
        "w/<slug:slug>/posts/<int:post_id>/unschedule/",
        post_unschedule_view,
        name="post_unschedule",
    ),
    path("w/<slug:slug>/posts/<int:post_id>/queue/", post_queue_view, name="post_queue"),
    path("w/<slug:slug>/posts/<int:post_id>/delete/", post_delete_view, name="post_delete"),
    path("w/<slug:slug>/posts/<int:post_id>/comments/", post_comment_view, name="post_comment"),
]
