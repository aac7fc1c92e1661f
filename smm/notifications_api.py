"""REST API of the user's own notifications (no workspace in the path: they span workspaces)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from smm import notifications as services
from smm.http import AuthenticatedRequest


class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    workspace = serializers.SlugField(source="workspace.slug")
    kind = serializers.CharField()
    message = serializers.CharField()
    url = serializers.CharField(help_text="Where it leads; a path on this site, or empty")
    actor = serializers.CharField(source="actor_label")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationListApi(APIView):
    """The caller's notifications, newest first (`?unread=1`: only the unread ones)."""

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="Only unread notifications")],
        responses=NotificationOutput(many=True),
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        unread_only = request.query_params.get("unread", "").lower() in ("1", "true", "yes")
        qs = services.notification_list_for_user(user=request.user, unread_only=unread_only)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(NotificationOutput(page, many=True).data)


class NotificationReadApi(APIView):
    """Mark notifications read: those listed in `ids`, or all of them when `ids` is left out."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "NotificationReadInput"

        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1), required=False, max_length=1000
        )

    @extend_schema(
        request=InputSerializer,
        responses=inline_serializer(
            "NotificationReadResult",
            {"marked_read": serializers.IntegerField(), "unread": serializers.IntegerField()},
        ),
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changed = services.notification_mark_all_read(
            user=request.user, ids=serializer.validated_data.get("ids")
        )
        return Response(
            {
                "marked_read": changed,
                "unread": services.notification_unread_count(user=request.user),
            }
        )
