"""Pages of the media library: the grid with multi-file upload, one file's page (alt text,
focal point, how each platform gets it, delete), and the files themselves (members only)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from channels_app.specs import PLATFORM_SPECS
from content.models import Fit, MediaAsset, MediaKind
from content.selectors.media import (
    media_get,
    media_list,
    media_platform_fits,
    media_video_report,
)
from content.services.media import (
    ALT_TEXT_MAX,
    max_image_bytes,
    max_video_bytes,
    media_can_change,
    media_delete,
    media_update,
    media_upload,
    media_usage_count,
    rendition_for,
)
from smm.forms import form_add_service_errors
from smm.http import AuthenticatedHttpRequest
from smm.models import Membership
from smm.tenancy import can, workspace_view

PAGE_SIZE = 60
FILE_MAX_AGE = 60 * 60 * 24  # originals never change under their URL; renditions carry a key


class MediaEditForm(forms.Form):
    alt_text = forms.CharField(
        label=gettext_lazy("Alt text"),
        required=False,
        max_length=ALT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Describe the picture for people who can't see it. Platforms show it to screen readers."
        ),
    )
    focal_x = forms.FloatField(
        label=gettext_lazy("Focal point, across (0 to 1)"), min_value=0, max_value=1, required=False
    )
    focal_y = forms.FloatField(
        label=gettext_lazy("Focal point, down (0 to 1)"), min_value=0, max_value=1, required=False
    )


@dataclass(frozen=True)
class UploadError:
    name: str
    message: str


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _library_page(
    request: HttpRequest,
    *,
    errors: list[UploadError] | None = None,
    uploaded: list[MediaAsset] | None = None,
    status: int = 200,
) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    assets = list(media_list(workspace=workspace, kind=kind or None, q=q)[: PAGE_SIZE + 1])
    return render(
        request,
        "content/media_library.html",
        {
            "workspace": workspace,
            "assets": assets[:PAGE_SIZE],
            "more": len(assets) > PAGE_SIZE,
            "kind": kind,
            "q": q,
            "kinds": MediaKind.choices,
            "can_upload": can(_membership(request), "media.upload"),
            "errors": errors or [],
            "uploaded": uploaded or [],
            "max_image_mb": f"{max_image_bytes() / 1_000_000:g}",
            "max_video_mb": f"{max_video_bytes() / 1_000_000:g}",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("content.view")
def media_library(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """The grid (filter by kind, search); POST uploads any number of files, each checked on
    its own: the good ones are kept, the others listed with what is wrong."""
    workspace = membership.workspace
    if request.method == "GET":
        return _library_page(request)
    if not can(membership, "media.upload"):
        raise PermissionDenied
    files = request.FILES.getlist("files")
    if not files:
        return _library_page(
            request,
            errors=[UploadError("", _("Pick one or more files to upload."))],
            status=400,
        )
    uploaded, errors = [], []
    for uploaded_file in files:
        try:
            uploaded.append(
                media_upload(workspace=workspace, by=request.user, uploaded_file=uploaded_file)
            )
        except ValidationError as exc:
            errors.append(UploadError(uploaded_file.name or "", " ".join(exc.messages)))
    if not errors:
        messages.success(
            request,
            _("Uploaded %(count)s file(s). Add alt text so everyone can follow your posts.")
            % {"count": len(uploaded)},
        )
        if len(uploaded) == 1:
            return redirect("content:media_detail", slug=workspace.slug, media_id=uploaded[0].pk)
        return redirect("content:media_library", slug=workspace.slug)
    return _library_page(request, errors=errors, uploaded=uploaded, status=200 if uploaded else 400)


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("content.view")
def media_detail(
    request: AuthenticatedHttpRequest, membership: Membership, media_id: int
) -> HttpResponse:
    """One file: its facts, alt text and focal point (click the picture), how each platform
    gets it (crop and pad side by side for the picked platform), and delete."""
    workspace = membership.workspace
    asset = media_get(workspace=workspace, media_id=media_id)
    can_change = media_can_change(membership=membership, asset=asset)
    platform = request.GET.get("platform", "")
    if platform not in PLATFORM_SPECS:
        platform = "instagram"
    form = MediaEditForm(
        request.POST or None,
        initial={"alt_text": asset.alt_text, "focal_x": asset.focal_x, "focal_y": asset.focal_y},
    )
    status = 200
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                media_update(asset=asset, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(
                    f"{request.path}?platform={platform}#renditions",
                )
        status = 400
    fits = media_platform_fits(asset)
    return render(
        request,
        "content/media_detail.html",
        {
            "workspace": workspace,
            "asset": asset,
            "form": form,
            "can_change": can_change,
            "platform": platform,
            "picked": next((f for f in fits if f.spec.kind == platform), None),
            "fits": fits,
            "platforms": [f.spec for f in fits],
            "video_report": media_video_report(asset),
            "usage": media_usage_count(asset),
        },
        status=status,
    )


@login_required
@require_POST
@workspace_view("media.upload")
def media_delete_view(
    request: AuthenticatedHttpRequest, membership: Membership, media_id: int
) -> HttpResponse:
    workspace = membership.workspace
    asset = media_get(workspace=workspace, media_id=media_id)
    name = str(asset)
    try:
        media_delete(asset=asset, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("content:media_detail", slug=workspace.slug, media_id=asset.pk)
    messages.success(request, _("Deleted %(name)s.") % {"name": name})
    return redirect("content:media_library", slug=workspace.slug)


def _file_response(
    request: HttpRequest, field: FieldFile, content_type: str, etag: str, filename: str
) -> HttpResponseBase:
    quoted = f'"{etag}"'
    if request.headers.get("If-None-Match") == quoted:
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        try:
            handle = field.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(False, filename) or ""
    response["ETag"] = quoted
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, private=True, max_age=FILE_MAX_AGE)
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
@workspace_view("content.view")
def media_file(request: HttpRequest, membership: Membership, media_id: int) -> HttpResponseBase:
    """The original, as uploaded, for members of the workspace."""
    workspace = membership.workspace
    asset = media_get(workspace=workspace, media_id=media_id)
    return _file_response(
        request, asset.file, asset.content_type, asset.sha256, asset.original_name or "media"
    )


@login_required
@require_http_methods(["GET", "HEAD"])
@workspace_view("content.view")
def media_rendition(
    request: HttpRequest, membership: Membership, media_id: int, platform: str, fit: str
) -> HttpResponseBase:
    """The image as `platform` gets it with `fit`; rendered on first request."""
    workspace = membership.workspace
    asset = media_get(workspace=workspace, media_id=media_id)
    if platform not in PLATFORM_SPECS or fit not in Fit.values:
        raise Http404
    try:
        rendition = rendition_for(asset=asset, platform=platform, fit=fit)
    except ValidationError:
        raise Http404 from None
    base = (asset.original_name or "media").rsplit(".", 1)[0]
    extension = (rendition.file.name or "").rsplit(".", 1)[-1]
    return _file_response(
        request,
        rendition.file,
        rendition.content_type,
        f"{asset.sha256[:16]}-{rendition.pk}",
        f"{base}-{platform}-{fit}.{extension}",
    )


@login_required
@require_http_methods(["GET", "HEAD"])
@workspace_view("content.view")
def media_thumb(request: HttpRequest, membership: Membership, media_id: int) -> HttpResponseBase:
    """A small JPEG of an image or GIF, for grids and pickers (made on first request)."""
    from content.services.media import thumbnail_for

    workspace = membership.workspace
    asset = media_get(workspace=workspace, media_id=media_id)
    try:
        thumb = thumbnail_for(asset=asset)
    except (ValidationError, OSError):
        raise Http404 from None
    base = (asset.original_name or "media").rsplit(".", 1)[0]
    return _file_response(
        request,
        thumb.file,
        thumb.content_type,
        f"{asset.sha256[:16]}-t{thumb.pk}",
        f"{base}-thumb.jpg",
    )


@require_http_methods(["GET", "HEAD"])
def public_media(request: HttpRequest, token: str) -> HttpResponseBase:
    """One file for a platform that fetches media by URL: no login, a signed expiring token."""
    from content.services.media import public_media_resolve

    found = public_media_resolve(token)
    if found is None:
        raise Http404
    asset, rendition = found
    field, content_type = (
        (rendition.file, rendition.content_type) if rendition else (asset.file, asset.content_type)
    )
    response = _file_response(
        request,
        field,
        content_type,
        f"{asset.sha256[:16]}-{rendition.pk if rendition else 0}",
        (field.name or "").rsplit("/", 1)[-1],
    )
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns: list[URLPattern] = [
    path("m/<str:token>", public_media, name="public_media"),
    path("w/<slug:slug>/media/", media_library, name="media_library"),
    path("w/<slug:slug>/media/<int:media_id>/", media_detail, name="media_detail"),
    path("w/<slug:slug>/media/<int:media_id>/delete/", media_delete_view, name="media_delete"),
    path("w/<slug:slug>/media/<int:media_id>/file/", media_file, name="media_file"),
    path("w/<slug:slug>/media/<int:media_id>/thumb/", media_thumb, name="media_thumb"),
    path(
        "w/<slug:slug>/media/<int:media_id>/rendition/<str:platform>/<str:fit>/",
        media_rendition,
        name="media_rendition",
    ),
]
