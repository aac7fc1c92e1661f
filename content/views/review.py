"""Pages: the client's review page, reached through a signed, expiring link without an account.

The token in the URL is the only key: an unknown, expired or revoked token answers a 404 page
that says the link no longer works and reveals nothing else. The page speaks the workspace's
language, is kept out of search engines and caches, and its forms carry a CSRF token like every
other form. Media load through `review_media`, which serves only the files of the link's post.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from content.models import Post, ReviewLink
from content.selectors.approval import review_history, review_media_get, review_previews
from content.selectors.posts import post_get
from content.services import approval as services
from content.services.posts import post_comment_add

ACTIONS = ("approve", "request_changes", "comment")
INVALID_TEMPLATE = "content/review_invalid.html"


class ReviewForm(forms.Form):
    """One of the page's three forms: `action` says which."""

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=5000)
    version = forms.IntegerField(required=False, min_value=1)


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def _invalid(request: HttpRequest) -> HttpResponse:
    return _private(render(request, INVALID_TEMPLATE, {"fixed_language": True}, status=404))


def _page(
    request: HttpRequest,
    link: ReviewLink,
    token: str,
    *,
    form: ReviewForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    post = post_get(workspace=link.workspace, post_id=link.post_id)
    reviews, comments = review_history(post)
    typed: dict[str, Any] = {}
    if form is not None:
        typed = {"action": form.data.get("action", ""), "comment": form.data.get("comment", "")}
    context = {
        "link": link,
        "token": token,
        "workspace": link.workspace,
        "post": post,
        "previews": review_previews(post=post, token=token),
        "reviews": reviews,
        "comments": comments,
        "can_decide": post.status == Post.Status.IN_REVIEW,
        "typed": typed,
        "errors": errors or [],
        # The page speaks the workspace's language (the client's): no language switcher.
        "fixed_language": True,
    }
    return _private(render(request, "content/review.html", context, status=status))


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, token: str) -> HttpResponse:
    """The client's page: the post per channel as it will look, approve / ask for changes /
    comment. Decisions and comments carry the reviewer's name from the link."""
    link = services.review_link_resolve(token)
    if link is None:
        return _invalid(request)
    with (
        translation.override(link.workspace.language or translation.get_language()),
        timezone.override(link.workspace.timezone),
    ):
        if request.method != "POST":
            return _page(request, link, token)
        form = ReviewForm(request.POST)
        if not form.is_valid():
            return _page(request, link, token, form=form, errors=_messages(form), status=400)
        action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
        version = form.cleaned_data["version"]
        try:
            if action == "approve":
                services.post_approve(
                    post=link.post, review_link=link, comment=comment, version=version
                )
                done = _("Thank you: you approved this post.")
            elif action == "request_changes":
                services.post_request_changes(
                    post=link.post, review_link=link, comment=comment, version=version
                )
                done = _("Thank you: your comments have been sent to the team.")
            else:
                post_comment_add(post=link.post, body=comment, review_link=link)
                done = _("Your comment has been sent to the team.")
        except (ValidationError, PermissionDenied) as exc:
            errors = (
                [str(exc) or _("This review link is no longer valid.")]
                if isinstance(exc, PermissionDenied)
                else [str(m) for m in exc.messages]
            )
            return _page(request, link, token, form=form, errors=errors, status=400)
        messages.success(request, done)
        return redirect("content:review", token=token)


def _messages(form: ReviewForm) -> list[str]:
    return [str(m) for msgs in form.errors.values() for m in msgs]


@require_GET
def review_media(request: HttpRequest, token: str, media_id: int) -> HttpResponseBase:
    """A media file of the link's post (as the platform gets it when `platform` and `fit` are
    given and a rendition can be made, else the original). 404 for any other file."""
    link = services.review_link_resolve(token)
    if link is None:
        raise Http404
    asset = review_media_get(link=link, media_id=media_id)
    stored, content_type = asset.file, asset.content_type
    platform, fit = request.GET.get("platform", ""), request.GET.get("fit", "")
    if platform and fit and asset.kind == "image":
        rendition = _rendition(asset, platform, fit)
        if rendition is not None:
            stored, content_type = rendition.file, rendition.content_type
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        content_type=content_type or mimetypes.guess_type(stored.name or "")[0] or "",
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Disposition"] = "inline"
    patch_cache_control(response, private=True, max_age=300)
    return response


def _rendition(asset: Any, platform: str, fit: str) -> Any:
    """The rendition for `platform`/`fit` when the media area can make it; None otherwise (an
    unknown platform or fit, or the media service not available), and the original is served."""
    try:
        from content.services.media import rendition_for
    except ImportError:
        return None
    try:
        return rendition_for(asset=asset, platform=platform, fit=fit)
    except (ValidationError, ValueError, KeyError, LookupError, OSError):
        return None


urlpatterns: list[URLPattern] = [
    path("review/<str:token>/", review, name="review"),
    path("review/<str:token>/media/<int:media_id>/", review_media, name="review_media"),
]
