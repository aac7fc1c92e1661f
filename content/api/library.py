"""REST API: the content library (hashtag groups and snippets)."""

from __future__ import annotations

from django.urls import URLPattern, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from content.selectors import library as selectors
from content.services import library as services
from smm.http import AuthenticatedRequest
from smm.tenancy import WorkspaceAPIView


class HashtagGroupOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    hashtags = serializers.ListField(child=serializers.CharField(), help_text="Without '#'")
    created_at = serializers.DateTimeField()


class HashtagGroupInput(serializers.Serializer):
    class Meta:
        ref_name = "HashtagGroupInput"

    name = serializers.CharField(max_length=80)
    hashtags = serializers.ListField(
        child=serializers.CharField(max_length=200),
        max_length=200,
        help_text=f"With or without '#'; deduplicated; at most {services.HASHTAGS_MAX}",
    )


class SnippetOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class SnippetInput(serializers.Serializer):
    class Meta:
        ref_name = "SnippetInput"

    name = serializers.CharField(max_length=80)
    body = serializers.CharField(max_length=services.SNIPPET_MAX_LENGTH, trim_whitespace=False)


class HashtagGroupListApi(WorkspaceAPIView):
    actions = {"GET": "content.view", "POST": "content.library"}

    @extend_schema(responses=HashtagGroupOutput(many=True))
    def get(self, request: Request, slug: str) -> Response:
        groups = selectors.hashtag_group_list(workspace=self.workspace)
        return Response(HashtagGroupOutput(groups, many=True).data)

    @extend_schema(request=HashtagGroupInput, responses={201: HashtagGroupOutput})
    def post(self, request: AuthenticatedRequest, slug: str) -> Response:
        serializer = HashtagGroupInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = services.hashtag_group_create(
            workspace=self.workspace, by=request.user, **serializer.validated_data
        )
        return Response(HashtagGroupOutput(group).data, status=status.HTTP_201_CREATED)


class HashtagGroupDetailApi(WorkspaceAPIView):
    actions = {"GET": "content.view", "PATCH": "content.library", "DELETE": "content.library"}

    @extend_schema(responses=HashtagGroupOutput)
    def get(self, request: Request, slug: str, group_id: int) -> Response:
        group = selectors.hashtag_group_get(workspace=self.workspace, group_id=group_id)
        return Response(HashtagGroupOutput(group).data)

    @extend_schema(request=HashtagGroupInput(partial=True), responses=HashtagGroupOutput)
    def patch(self, request: AuthenticatedRequest, slug: str, group_id: int) -> Response:
        group = selectors.hashtag_group_get(workspace=self.workspace, group_id=group_id)
        serializer = HashtagGroupInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        group = services.hashtag_group_update(
            group=group, by=request.user, **serializer.validated_data
        )
        return Response(HashtagGroupOutput(group).data)

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, slug: str, group_id: int) -> Response:
        group = selectors.hashtag_group_get(workspace=self.workspace, group_id=group_id)
        services.hashtag_group_delete(group=group, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SnippetListApi(WorkspaceAPIView):
    actions = {"GET": "content.view", "POST": "content.library"}

    @extend_schema(responses=SnippetOutput(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return Response(
            SnippetOutput(selectors.snippet_list(workspace=self.workspace), many=True).data
        )

    @extend_schema(request=SnippetInput, responses={201: SnippetOutput})
    def post(self, request: AuthenticatedRequest, slug: str) -> Response:
        serializer = SnippetInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        snippet = services.snippet_create(
            workspace=self.workspace, by=request.user, **serializer.validated_data
        )
        return Response(SnippetOutput(snippet).data, status=status.HTTP_201_CREATED)


class SnippetDetailApi(WorkspaceAPIView):
    actions = {"GET": "content.view", "PATCH": "content.library", "DELETE": "content.library"}

    @extend_schema(responses=SnippetOutput)
    def get(self, request: Request, slug: str, snippet_id: int) -> Response:
        snippet = selectors.snippet_get(workspace=self.workspace, snippet_id=snippet_id)
        return Response(SnippetOutput(snippet).data)

    @extend_schema(request=SnippetInput(partial=True), responses=SnippetOutput)
    def patch(self, request: AuthenticatedRequest, slug: str, snippet_id: int) -> Response:
        snippet = selectors.snippet_get(workspace=self.workspace, snippet_id=snippet_id)
        serializer = SnippetInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        snippet = services.snippet_update(
            snippet=snippet, by=request.user, **serializer.validated_data
        )
        return Response(SnippetOutput(snippet).data)

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, slug: str, snippet_id: int) -> Response:
        snippet = selectors.snippet_get(workspace=self.workspace, snippet_id=snippet_id)
        services.snippet_delete(snippet=snippet, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns: list[URLPattern] = [
    path(
        "workspaces/<slug:slug>/hashtag-groups/",
        HashtagGroupListApi.as_view(),
        name="hashtag_group_list",
    ),
    path(
        "workspaces/<slug:slug>/hashtag-groups/<int:group_id>/",
        HashtagGroupDetailApi.as_view(),
        name="hashtag_group_detail",
    ),
    path("workspaces/<slug:slug>/snippets/", SnippetListApi.as_view(), name="snippet_list"),
    path(
        "workspaces/<slug:slug>/snippets/<int:snippet_id>/",
        SnippetDetailApi.as_view(),
        name="snippet_detail",
    ),
]
