"""REST API of the shared kernel (DRF). Thin: parse, authorise (WorkspaceAPIView), one service.

Errors are answered in the envelope of smm.api_errors (the EXCEPTION_HANDLER)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from smm import activity as activity_text
from smm import selectors, services
from smm.http import AuthenticatedRequest
from smm.models import Invitation, Membership, Role
from smm.tenancy import WorkspaceAPIView


class WorkspaceOutput(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    timezone = serializers.CharField()
    language = serializers.CharField()
    is_demo = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class MembershipOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    role = serializers.ChoiceField(choices=Role.choices)
    created_at = serializers.DateTimeField()


class InvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class ActivityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_label")
    verb = serializers.CharField()
    target_type = serializers.CharField()
    target_id = serializers.CharField()
    target = serializers.CharField(source="target_label")
    text = serializers.SerializerMethodField()
    data = serializers.JSONField()  # type: ignore[assignment]  # a field named like a Serializer attribute (DRF's metaclass takes it)

    def get_text(self, event: Any) -> str:
        return activity_text.describe(event)


class MeApi(APIView):
    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "id": serializers.IntegerField(),
                "email": serializers.EmailField(),
                "name": serializers.CharField(),
                "language": serializers.CharField(),
                "workspaces": WorkspaceOutput(many=True),
            },
        )
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        user = request.user
        return Response(
            {
                "id": user.pk,
                "email": user.email,
                "name": user.name,
                "language": user.language,
                "workspaces": WorkspaceOutput(
                    selectors.workspace_list_for_user(user=user), many=True
                ).data,
            }
        )


class WorkspaceListApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "WorkspaceCreateInput"

        name = serializers.CharField(max_length=100)
        timezone = serializers.CharField(required=False)
        language = serializers.ChoiceField(choices=["en", "nl"], required=False)

    @extend_schema(responses=WorkspaceOutput(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(
            WorkspaceOutput(selectors.workspace_list_for_user(user=request.user), many=True).data
        )

    @extend_schema(request=InputSerializer, responses={201: WorkspaceOutput})
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        kwargs: dict[str, Any] = {"name": data["name"], "by": request.user}
        if "timezone" in data:
            kwargs["timezone_name"] = data["timezone"]
        if "language" in data:
            kwargs["language"] = data["language"]
        workspace = services.workspace_create(**kwargs)
        return Response(WorkspaceOutput(workspace).data, status=status.HTTP_201_CREATED)


class WorkspaceDetailApi(WorkspaceAPIView):
    actions = {"GET": "workspace.view", "PATCH": "workspace.update", "DELETE": "workspace.delete"}

    class UpdateSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100, required=False)
        timezone = serializers.CharField(required=False)
        language = serializers.ChoiceField(choices=["en", "nl"], required=False)

    class DeleteSerializer(serializers.Serializer):
        confirm_name = serializers.CharField()

    @extend_schema(responses=WorkspaceOutput)
    def get(self, request: Request, slug: str) -> Response:
        return Response(WorkspaceOutput(self.workspace).data)

    @extend_schema(request=UpdateSerializer, responses=WorkspaceOutput)
    def patch(self, request: AuthenticatedRequest, slug: str) -> Response:
        serializer = self.UpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workspace = services.workspace_update(
            workspace=self.workspace,
            by=request.user,
            name=data.get("name"),
            timezone_name=data.get("timezone"),
            language=data.get("language"),
        )
        return Response(WorkspaceOutput(workspace).data)

    @extend_schema(request=DeleteSerializer, responses={204: None})
    def delete(self, request: AuthenticatedRequest, slug: str) -> Response:
        serializer = self.DeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.workspace_delete(
            workspace=self.workspace,
            by=request.user,
            confirm_name=serializer.validated_data["confirm_name"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListApi(WorkspaceAPIView):
    actions = {"GET": "members.view"}

    @extend_schema(responses=MembershipOutput(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return Response(
            MembershipOutput(selectors.membership_list(workspace=self.workspace), many=True).data
        )


class MemberDetailApi(WorkspaceAPIView):
    actions = {"GET": "members.view", "PATCH": "members.change_role", "DELETE": "members.remove"}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MemberRoleInput"

        role = serializers.ChoiceField(choices=Role.choices)

    def _member(self, member_id: int) -> Membership:
        return get_object_or_404(
            Membership.objects.select_related("user"), workspace=self.workspace, pk=member_id
        )

    @extend_schema(responses=MembershipOutput)
    def get(self, request: Request, slug: str, member_id: int) -> Response:
        return Response(MembershipOutput(self._member(member_id)).data)

    @extend_schema(request=InputSerializer, responses=MembershipOutput)
    def patch(self, request: Request, slug: str, member_id: int) -> Response:
        member = self._member(member_id)  # another workspace's member is a 404 before any 400
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            membership=member,
            role=serializer.validated_data["role"],
            by=self.membership,
        )
        return Response(MembershipOutput(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, member_id: int) -> Response:
        services.membership_remove(membership=self._member(member_id), by=self.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListApi(WorkspaceAPIView):
    actions = {"GET": "members.invite", "POST": "members.invite"}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "InvitationCreateInput"

        email = serializers.EmailField()
        role = serializers.ChoiceField(choices=Role.choices)

    @extend_schema(responses=InvitationOutput(many=True))
    def get(self, request: Request, slug: str) -> Response:
        return Response(
            InvitationOutput(
                selectors.invitation_list_open(workspace=self.workspace), many=True
            ).data
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            201: inline_serializer(
                "InvitationCreated",
                {
                    "invitation": InvitationOutput(),
                    "url": serializers.URLField(),
                    "email_sent": serializers.BooleanField(),
                },
            )
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sent = services.invitation_create(
            workspace=self.workspace, by=self.membership, **serializer.validated_data
        )
        return Response(
            {
                "invitation": InvitationOutput(sent.invitation).data,
                "url": sent.url,
                "email_sent": sent.email_sent,
            },
            status=status.HTTP_201_CREATED,
        )


class InvitationDetailApi(WorkspaceAPIView):
    actions = {"DELETE": "members.invite"}

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, invitation_id: int) -> Response:
        invitation = get_object_or_404(Invitation, workspace=self.workspace, pk=invitation_id)
        services.invitation_revoke(invitation=invitation, by=self.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActivityPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


class ActivityListApi(WorkspaceAPIView):
    """The workspace's audit log, newest first, cursor-paginated (`next`/`previous` links)."""

    actions = {"GET": "activity.view"}

    @extend_schema(responses=ActivityOutput(many=True))
    def get(self, request: Request, slug: str) -> Response:
        paginator = ActivityPagination()
        page = paginator.paginate_queryset(
            selectors.activity_list(workspace=self.workspace), request, view=self
        )
        return paginator.get_paginated_response(ActivityOutput(page, many=True).data)
