"""Pages: a post's approval panel and its actions (submit, approve, request changes, send to a
client, revoke a client's link), and the approvals queue.

The panel is a partial of the post page (content:post_detail). It loads itself through htmx, so
the post page only includes it; its forms post here. With htmx, success reloads the post page
(its status shows in several places) and an error re-renders the panel with what was typed;
without htmx every action redirects back (errors as messages, the typed text kept for the panel).
The queue's rows approve and ask for changes inline (htmx), each row re-rendered in place.

Roles are decided by content.services.approval; the views only resolve the workspace (404 for
outsiders) and the post within it (404 for another workspace's post).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from content.models import Post, ReviewLink
from content.selectors.approval import approval_context, approval_queue, queue_row
from content.selectors.posts import post_get
from content.services import approval as services
from content.services.posts import post_url
from smm.models import Membership
from smm.tenancy import workspace_view

PANEL_TEMPLATE = "content/_approval_panel.html"
ROW_TEMPLATE = "content/_approval_row.html"
# Per post: a review link just made (shown once) and what was typed before an error, kept in
# the session for the next time the panel renders (after a redirect without htmx).
SESSION_KEY = "content_approval_panel"
COMMENT_MAX = 5000


class CommentForm(forms.Form):
    """A decision's comment (required when asking for changes) and the version reviewed."""

    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, max_length=COMMENT_MAX, strip=True
    )
    version = forms.IntegerField(required=False, min_value=1)


class ReviewLinkForm(forms.Form):
    reviewer_name = forms.CharField(label=gettext_lazy("Reviewer's name"), max_length=120)
    reviewer_email = forms.EmailField(label=gettext_lazy("E-mail (optional)"), required=False)


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _post(membership: Membership, post_id: int) -> Post:
    """The post `post_id` of the membership's workspace (404 for another workspace's post)."""
    return get_object_or_404(Post.objects.for_workspace(membership.workspace), pk=post_id)


def _from_queue(request: HttpRequest) -> bool:
    return request.POST.get("from") == "queue"


def _next_url(request: HttpRequest, post: Post) -> str:
    """Where to go after an action: a safe `next` (the queue), else the post page."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return post_url(post)


def _remember(request: HttpRequest, post: Post, **values: Any) -> None:
    stash = dict(request.session.get(SESSION_KEY, {}))
    stash[str(post.pk)] = {**stash.get(str(post.pk), {}), **values}
    # Only a few posts' worth: a user works on one post at a time.
    request.session[SESSION_KEY] = dict(list(stash.items())[-5:])


def _recall(request: HttpRequest, post: Post) -> dict[str, Any]:
    stash = dict(request.session.get(SESSION_KEY, {}))
    values = stash.pop(str(post.pk), {})
    if values:
        request.session[SESSION_KEY] = stash
    return values


def _errors_of(exc: ValidationError | PermissionDenied) -> dict[str, list[str]]:
    """A service's refusal as messages per field ("__all__" for the form as a whole)."""
    if isinstance(exc, PermissionDenied):
        return {"__all__": [str(exc) or _("Your role does not allow this.")]}
    if hasattr(exc, "error_dict"):
        return {
            key: [str(m) for m in ValidationError(errs).messages]
            for key, errs in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def _form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {key: [str(m) for m in msgs] for key, msgs in form.errors.items()}


def _render_panel(request: HttpRequest, post: Post, **extra: Any) -> HttpResponse:
    membership = _membership(request)
    full = post_get(workspace=membership.workspace, post_id=post.pk)
    context = approval_context(full, membership, **extra)
    return render(request, PANEL_TEMPLATE, {**context, "approval": context})


def _render_row(request: HttpRequest, row: Any) -> HttpResponse:
    workspace = _membership(request).workspace
    here = reverse("content:approvals", args=[workspace.slug])
    return render(request, ROW_TEMPLATE, {"row": row, "workspace": workspace, "here": here})


def _succeeded(request: HttpRequest, post: Post, message: str) -> HttpResponse:
    membership = _membership(request)
    if request.htmx and _from_queue(request):  # type: ignore[attr-defined]
        fresh = post_get(workspace=membership.workspace, post_id=post.pk)
        row = queue_row(fresh, membership, decider=False)
        row.outcome = message
        return _render_row(request, row)
    messages.success(request, message)
    url = _next_url(request, post)
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def _failed(
    request: HttpRequest,
    post: Post,
    errors: dict[str, list[str]],
    *,
    form: str,
    typed: dict[str, str],
) -> HttpResponse:
    """Show why an action failed, keeping what was typed. `form` names the panel's form."""
    membership = _membership(request)
    if request.htmx and _from_queue(request):  # type: ignore[attr-defined]
        fresh = post_get(workspace=membership.workspace, post_id=post.pk)
        row = queue_row(fresh, membership)
        row.error = " ".join(m for msgs in errors.values() for m in msgs)
        row.typed_comment = typed.get("comment", "")
        return _render_row(request, row)
    if request.htmx:  # type: ignore[attr-defined]
        # 200: htmx swaps only successful responses by default.
        return _render_panel(request, post, typed={**typed, "form": form}, errors=errors)
    for msgs in errors.values():
        for message in msgs:
            messages.error(request, message)
    _remember(request, post, typed={**typed, "form": form}, errors=errors)
    return redirect(_next_url(request, post))


# The panel -------------------------------------------------------------------------------------


@login_required
@require_GET
@workspace_view("content.view")
def approval_panel(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    """The approval panel of one post (loaded by the post page)."""
    post = _post(membership, post_id)
    kept = _recall(request, post)
    return _render_panel(
        request,
        post,
        new_link_url=kept.get("new_link_url", ""),
        new_link_emailed=bool(kept.get("new_link_emailed")),
        typed=kept.get("typed"),
        errors=kept.get("errors"),
    )


@login_required
@require_POST
@workspace_view("content.create")
def post_submit_view(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    """Send a post for approval, with an optional note for the approvers."""
    post = _post(membership, post_id)
    form = CommentForm(request.POST)
    comment = request.POST.get("comment", "")
    if not form.is_valid():
        return _failed(request, post, _form_errors(form), form="submit", typed={"comment": comment})
    try:
        services.post_submit(post=post, membership=membership, comment=form.cleaned_data["comment"])
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, post, _errors_of(exc), form="submit", typed={"comment": comment})
    return _succeeded(request, post, _("Sent for approval. The approvers have been told."))


def _decide(
    request: HttpRequest, membership: Membership, post_id: int, *, approve: bool
) -> HttpResponse:
    post = _post(membership, post_id)
    form_name = "approve" if approve else "request_changes"
    form = CommentForm(request.POST)
    comment = request.POST.get("comment", "")
    if not form.is_valid():
        return _failed(
            request, post, _form_errors(form), form=form_name, typed={"comment": comment}
        )
    values = form.cleaned_data
    try:
        if approve:
            post = services.post_approve(
                post=post,
                membership=membership,
                comment=values["comment"],
                version=values["version"],
            )
        else:
            post = services.post_request_changes(
                post=post,
                membership=membership,
                comment=values["comment"],
                version=values["version"],
            )
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, post, _errors_of(exc), form=form_name, typed={"comment": comment})
    if not approve:
        return _succeeded(request, post, _("Sent back to the author with your comment."))
    if post.status == Post.Status.SCHEDULED:
        return _succeeded(request, post, _("Approved and scheduled."))
    return _succeeded(request, post, _("Approved. It goes out once someone picks a time."))


@login_required
@require_POST
@workspace_view("content.approve")
def post_approve_view(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    """Approve the version the approver saw (`version`), with an optional comment."""
    return _decide(request, membership, post_id, approve=True)


@login_required
@require_POST
@workspace_view("content.approve")
def post_request_changes_view(
    request: HttpRequest, membership: Membership, post_id: int
) -> HttpResponse:
    """Send the post back to its author; the comment says what to change (required)."""
    return _decide(request, membership, post_id, approve=False)


@login_required
@require_POST
@workspace_view("content.create")
def review_link_create_view(
    request: HttpRequest, membership: Membership, post_id: int
) -> HttpResponse:
    """Make a client review link (e-mailed when an address is given); the panel shows the link
    once, to copy."""
    post = _post(membership, post_id)
    form = ReviewLinkForm(request.POST)
    typed = {
        "reviewer_name": request.POST.get("reviewer_name", ""),
        "reviewer_email": request.POST.get("reviewer_email", ""),
    }
    if not form.is_valid():
        return _failed(request, post, _form_errors(form), form="link", typed=typed)
    try:
        sent = services.review_link_send(post=post, membership=membership, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, post, _errors_of(exc), form="link", typed=typed)
    _remember(request, post, new_link_url=sent.url, new_link_emailed=sent.email_sent)
    name = sent.link.reviewer_name
    if sent.email_sent:
        message = _("Review link made and e-mailed to %(name)s.") % {"name": name}
    elif sent.link.reviewer_email:
        message = _("Review link made, but the e-mail could not be sent: copy the link below.")
    else:
        message = _("Review link made for %(name)s: copy it below and send it.") % {"name": name}
    return _succeeded(request, post, message)


@login_required
@require_POST
@workspace_view("content.create")
def review_link_revoke_view(
    request: HttpRequest, membership: Membership, review_link_id: int
) -> HttpResponse:
    """End a client's review link now."""
    workspace = membership.workspace
    link = get_object_or_404(
        ReviewLink.objects.for_workspace(workspace).select_related("post", "workspace"),
        pk=review_link_id,
    )
    try:
        services.review_link_revoke(link=link, membership=membership)
    except PermissionDenied as exc:
        return _failed(request, link.post, _errors_of(exc), form="revoke", typed={})
    return _succeeded(
        request,
        link.post,
        _("The review link of %(name)s no longer works.") % {"name": link.reviewer_name},
    )


# The queue -------------------------------------------------------------------------------------


@login_required
@require_GET
@workspace_view("content.view")
def approvals(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Posts awaiting the user's approval, and the user's own posts in review or sent back."""
    workspace = membership.workspace
    queue = approval_queue(workspace=workspace, membership=membership)
    return render(
        request,
        "content/approvals.html",
        {
            "workspace": workspace,
            "queue": queue,
            "here": reverse("content:approvals", args=[workspace.slug]),
        },
    )


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/approvals/", approvals, name="approvals"),
    path("w/<slug:slug>/posts/<int:post_id>/approval/", approval_panel, name="approval_panel"),
    path("w/<slug:slug>/posts/<int:post_id>/submit/", post_submit_view, name="post_submit"),
    path("w/<slug:slug>/posts/<int:post_id>/approve/", post_approve_view, name="post_approve"),
    path(
        "w/<slug:slug>/posts/<int:post_id>/request-changes/",
        post_request_changes_view,
        name="post_request_changes",
    ),
    path(
        "w/<slug:slug>/posts/<int:post_id>/review-links/",
        review_link_create_view,
        name="review_link_create",
    ),
    path(
        "w/<slug:slug>/review-links/<int:review_link_id>/revoke/",
        review_link_revoke_view,
        name="review_link_revoke",
    ),
]
