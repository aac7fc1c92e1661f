"""REST API of the media library: list and upload (multipart), read, change alt text and focal
point, delete, and one platform's rendition of an image."""

from __future__ import annotations

from django.http import Http404
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from channels_app.specs import PLATFORM_SPECS
from content.models import Fit, MediaAsset, MediaKind, MediaRendition
from content.selectors.media import media_get, media_list
from content.services.media import (
    ALT_TEXT_MAX,
    media_can_change,
    media_delete,
    media_update,
    media_upload,
    rendition_for,
)
from smm.http import AuthenticatedRequest
from smm.tenancy import WorkspaceAPIView


class MediaOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=MediaKind.choices)
    content_type = serializers.CharField(help_text="Detected from the content, not the name")
    original_name = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes")
    sha256 = serializers.CharField()
    width = serializers.IntegerField(allow_null=True, help_text="As displayed (EXIF-rotated)")
    height = serializers.IntegerField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)
    fps = serializers.FloatField(allow_null=True)
    video_codec = serializers.CharField()
    audio_codec = serializers.CharField()
    alt_text = serializers.CharField()
    focal_x = serializers.FloatField(help_text="0 (left) .. 1 (right)")
    focal_y = serializers.FloatField(help_text="0 (top) .. 1 (bottom)")
    uploaded_by = serializers.EmailField(source="uploaded_by.email", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    file_url = serializers.SerializerMethodField()

    def get_file_url(self, asset: MediaAsset) -> str:
        url = reverse("content:media_file", args=[asset.workspace.slug, asset.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class RenditionOutput(serializers.Serializer):
    platform = serializers.CharField()
    fit = serializers.ChoiceField(choices=Fit.choices)
    content_type = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    size = serializers.IntegerField(help_text="Bytes")
    key = serializers.CharField(help_text="Platform, size, fit and focal point it was made for")
    url = serializers.SerializerMethodField()

    def get_url(self, rendition: MediaRendition) -> str:
        asset = rendition.asset
        url = reverse(
            "content:media_rendition",
            args=[asset.workspace.slug, asset.pk, rendition.platform, rendition.fit],
        )
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class MediaListApi(WorkspaceAPIView):
    actions = {"GET": "content.view", "POST": "media.upload"}
    parser_classes = (MultiPartParser, FormParser)

    class UploadSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MediaUploadInput"

        file = serializers.FileField(help_text="An image (JPEG, PNG, GIF, WebP) or a video")
        alt_text = serializers.CharField(required=False, allow_blank=True, max_length=ALT_TEXT_MAX)
        focal_x = serializers.FloatField(required=False, min_value=0, max_value=1)
        focal_y = serializers.FloatField(required=False, min_value=0, max_value=1)

    @extend_schema(
        operation_id="workspaces_media_list",
        parameters=[
            OpenApiParameter("kind", str, enum=list(MediaKind.values)),
            OpenApiParameter("q", str, description="Words in the file name or alt text"),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=inline_serializer(
            "MediaPage",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": MediaOutput(many=True),
            },
        ),
    )
    def get(self, request: Request, slug: str) -> Response:
        assets = media_list(
            workspace=self.workspace,
            kind=request.query_params.get("kind") or None,
            q=request.query_params.get("q", ""),
        ).select_related("workspace")
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(assets, request, view=self)
        context = {"request": request}
        return paginator.get_paginated_response(MediaOutput(page, many=True, context=context).data)

    @extend_schema(
        operation_id="workspaces_media_upload",
        request={"multipart/form-data": UploadSerializer},
        responses={201: MediaOutput},
    )
    def post(self, request: AuthenticatedRequest, slug: str) -> Response:
        """Upload one file; it is checked by its content (400 with the reason if refused)."""
        serializer = self.UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        asset = media_upload(workspace=self.workspace, by=request.user, uploaded_file=data["file"])
        extra = {key: data[key] for key in ("alt_text", "focal_x", "focal_y") if key in data}
        if extra:
            asset = media_update(asset=asset, by=request.user, **extra)
        return Response(
            MediaOutput(asset, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


def _can_change_or_403(view: WorkspaceAPIView, asset: MediaAsset) -> None:
    if not media_can_change(membership=view.membership, asset=asset):
        raise PermissionDenied(_("Only the uploader or an editor may change this file."))


class MediaDetailApi(WorkspaceAPIView):
    actions = {"GET": "content.view", "PATCH": "media.upload", "DELETE": "media.upload"}
    parser_classes = (JSONParser, FormParser, MultiPartParser)

    class UpdateSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MediaUpdateInput"

        alt_text = serializers.CharField(required=False, allow_blank=True, max_length=ALT_TEXT_MAX)
        focal_x = serializers.FloatField(required=False, min_value=0, max_value=1)
        focal_y = serializers.FloatField(required=False, min_value=0, max_value=1)

    def _asset(self, media_id: int) -> MediaAsset:
        return media_get(workspace=self.workspace, media_id=media_id)

    @extend_schema(operation_id="workspaces_media_retrieve", responses=MediaOutput)
    def get(self, request: Request, slug: str, media_id: int) -> Response:
        return Response(MediaOutput(self._asset(media_id), context={"request": request}).data)

    @extend_schema(request=UpdateSerializer, responses=MediaOutput)
    def patch(self, request: AuthenticatedRequest, slug: str, media_id: int) -> Response:
        asset = self._asset(media_id)
        _can_change_or_403(self, asset)
        serializer = self.UpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asset = media_update(asset=asset, by=request.user, **serializer.validated_data)
        return Response(MediaOutput(asset, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, slug: str, media_id: int) -> Response:
        """Delete the file and its renditions; 400 while a post uses it."""
        asset = self._asset(media_id)
        _can_change_or_403(self, asset)
        media_delete(asset=asset, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MediaRenditionApi(WorkspaceAPIView):
    actions = {"GET": "content.view"}

    @extend_schema(
        operation_id="workspaces_media_rendition_retrieve",
        parameters=[OpenApiParameter("fit", str, enum=list(Fit.values), default=Fit.CROP)],
        responses=RenditionOutput,
    )
    def get(self, request: Request, slug: str, media_id: int, platform: str) -> Response:
        """The image as `platform` gets it (rendered on first request). 404 for an unknown
        platform; 400 for a GIF or video, which are sent as uploaded."""
        if platform not in PLATFORM_SPECS:
            raise Http404
        asset = media_get(workspace=self.workspace, media_id=media_id)
        fit = request.query_params.get("fit", Fit.CROP)
        rendition = rendition_for(asset=asset, platform=platform, fit=fit)
        return Response(RenditionOutput(rendition, context={"request": request}).data)


urlpatterns: list[URLPattern] = [
    path("workspaces/<slug:slug>/media/", MediaListApi.as_view(), name="media_list"),
    path(
        "workspaces/<slug:slug>/media/<int:media_id>/",
        MediaDetailApi.as_view(),
        name="media_detail",
    ),
    path(
        "workspaces/<slug:slug>/media/<int:media_id>/renditions/<str:platform>/",
        MediaRenditionApi.as_view(),
        name="media_rendition",
    ),
]
