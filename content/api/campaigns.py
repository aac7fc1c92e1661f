"""REST API: organic campaigns (list and create, read, change, archive)."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from content.models import Campaign, CampaignObjective, Post
from content.selectors import campaigns as selectors
from content.services import campaigns as services
from content.services.campaign_editing import campaign_change
from smm.http import AuthenticatedRequest
from smm.tenancy import WorkspaceAPIView


class CampaignOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField(help_text="utm_campaign of the campaign's tracked links")
    objective = serializers.ChoiceField(choices=CampaignObjective.choices)
    description = serializers.CharField()
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    color = serializers.CharField()
    archived_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    posts = serializers.SerializerMethodField(
        help_text="Number of the campaign's posts per status, and `total`"
    )

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_posts(self, campaign: Campaign) -> dict[str, int]:
        counts = {
            value: getattr(campaign, f"{selectors.STATUS_COUNT_PREFIX}{value}", 0)
            for value in Post.Status.values
        }
        counts["total"] = getattr(campaign, "posts_total", 0)
        return counts


class CampaignInput(serializers.Serializer):
    class Meta:
        ref_name = "CampaignInput"

    name = serializers.CharField(max_length=120)
    objective = serializers.ChoiceField(choices=CampaignObjective.choices)
    slug = serializers.CharField(
        max_length=80, required=False, allow_blank=True, help_text="Empty: made from the name"
    )
    description = serializers.CharField(required=False, allow_blank=True)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.CharField(allow_blank=True), required=False, max_length=100
    )
    color = serializers.CharField(required=False, allow_blank=True, max_length=7)


class CampaignPatchInput(CampaignInput):
    class Meta:
        ref_name = "CampaignPatchInput"

    archived = serializers.BooleanField(
        required=False, help_text="false brings an archived campaign back; true archives it"
    )


def _output(workspace: Any, campaign: Campaign) -> dict[str, Any]:
    """The campaign as stored, with its post counts (read again after a write)."""
    return CampaignOutput(selectors.campaign_get(workspace=workspace, campaign_id=campaign.pk)).data


class CampaignListApi(WorkspaceAPIView):
    actions = {"GET": "content.view", "POST": "campaigns.manage"}

    @extend_schema(
        parameters=[OpenApiParameter("archived", bool, description="The archived campaigns")],
        responses=CampaignOutput(many=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        archived = request.query_params.get("archived", "").lower() in ("1", "true", "yes")
        campaigns = selectors.campaign_list(workspace=self.workspace, archived=archived)
        return Response(CampaignOutput(campaigns, many=True).data)

    @extend_schema(request=CampaignInput, responses={201: CampaignOutput})
    def post(self, request: AuthenticatedRequest, slug: str) -> Response:
        serializer = CampaignInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = services.campaign_create(
            workspace=self.workspace, by=request.user, **serializer.validated_data
        )
        return Response(_output(self.workspace, campaign), status=status.HTTP_201_CREATED)


class CampaignDetailApi(WorkspaceAPIView):
    actions = {"GET": "content.view", "PATCH": "campaigns.manage", "DELETE": "campaigns.manage"}

    @extend_schema(responses=CampaignOutput)
    def get(self, request: Request, slug: str, campaign_id: int) -> Response:
        campaign = selectors.campaign_get(workspace=self.workspace, campaign_id=campaign_id)
        return Response(CampaignOutput(campaign).data)

    @extend_schema(request=CampaignPatchInput, responses=CampaignOutput)
    def patch(self, request: AuthenticatedRequest, slug: str, campaign_id: int) -> Response:
        """Change the fields sent; `archived` archives (true) or brings back (false)."""
        campaign = selectors.campaign_get(workspace=self.workspace, campaign_id=campaign_id)
        serializer = CampaignPatchInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        campaign = campaign_change(campaign=campaign, by=request.user, **serializer.validated_data)
        return Response(_output(self.workspace, campaign))

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, slug: str, campaign_id: int) -> Response:
        """Archive the campaign (posts and links are kept; PATCH `archived: false` undoes it)."""
        campaign = selectors.campaign_get(workspace=self.workspace, campaign_id=campaign_id)
        services.campaign_archive(campaign=campaign, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns: list[URLPattern] = [
    path("workspaces/<slug:slug>/campaigns/", CampaignListApi.as_view(), name="campaign_list"),
    path(
        "workspaces/<slug:slug>/campaigns/<int:campaign_id>/",
        CampaignDetailApi.as_view(),
        name="campaign_detail",
    ),
]
