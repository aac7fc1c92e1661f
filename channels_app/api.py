"""REST API of the channels area. Tokens never appear in it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import Http404
from django.utils.functional import Promise
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from channels_app import selectors, services
from channels_app.models import Channel, ChannelGuidelines, Platform, PostingSlot
from channels_app.specs import all_specs, get_spec
from smm.http import AuthenticatedRequest
from smm.tenancy import WorkspaceAPIView


class HealthOutput(serializers.Serializer):
    level = serializers.ChoiceField(choices=["ok", "warning", "error", "off"])
    expires_at = serializers.DateTimeField(allow_null=True)
    auto_renews = serializers.BooleanField()
    missing_scopes = serializers.ListField(child=serializers.CharField())
    last_error = serializers.CharField()
    last_error_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)


class GuidelinesOutput(serializers.Serializer):
    role = serializers.CharField()
    audience = serializers.CharField()
    tone_of_voice = serializers.CharField()
    default_hashtags = serializers.ListField(child=serializers.CharField())
    banned_hashtags = serializers.ListField(child=serializers.CharField())
    banned_words = serializers.ListField(child=serializers.CharField())
    notes = serializers.CharField()


class SlotOutput(serializers.Serializer):
    id = serializers.IntegerField()
    weekday = serializers.IntegerField(help_text="0 = Monday ... 6 = Sunday")
    time = serializers.TimeField(
        format="%H:%M", help_text="Wall-clock time in the workspace's time zone"
    )


class ChannelOutput(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    external_id = serializers.CharField()
    handle = serializers.CharField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField()
    profile_url = serializers.CharField()
    followers_count = serializers.IntegerField(allow_null=True)
    instance_url = serializers.CharField()
    status = serializers.ChoiceField(choices=Channel.Status.choices)
    connected_at = serializers.DateTimeField()
    health = serializers.SerializerMethodField()
    guidelines = serializers.SerializerMethodField()
    posting_slots = serializers.SerializerMethodField()

    @extend_schema_field(HealthOutput)
    def get_health(self, channel: Channel) -> dict[str, Any]:
        return HealthOutput(selectors.channel_health(channel)).data

    @extend_schema_field(GuidelinesOutput(allow_null=True))
    def get_guidelines(self, channel: Channel) -> dict[str, Any] | None:
        guidelines = getattr(channel, "guidelines", None)
        return GuidelinesOutput(guidelines).data if guidelines else None

    @extend_schema_field(SlotOutput(many=True))
    def get_posting_slots(self, channel: Channel) -> list[dict[str, Any]]:
        return list(SlotOutput(channel.posting_slots.all(), many=True).data)


class ChannelListApi(WorkspaceAPIView):
    actions = {"GET": "channels.view"}

    @extend_schema(responses=ChannelOutput(many=True))
    def get(self, request: Request, slug: str) -> Response:
        channels = selectors.channel_list(workspace=self.workspace)
        return Response(ChannelOutput(channels, many=True).data)


class ChannelDetailApi(WorkspaceAPIView):
    actions = {"GET": "channels.view"}

    @extend_schema(responses=ChannelOutput)
    def get(self, request: Request, slug: str, channel_id: int) -> Response:
        channel = selectors.channel_get(workspace=self.workspace, channel_id=channel_id)
        return Response(ChannelOutput(channel).data)


class ChannelDisconnectApi(WorkspaceAPIView):
    actions = {"POST": "channels.manage"}

    @extend_schema(request=None, responses=ChannelOutput)
    def post(self, request: AuthenticatedRequest, slug: str, channel_id: int) -> Response:
        """Disconnect: tokens are forgotten; scheduled posts are held, not deleted."""
        channel = selectors.channel_get(workspace=self.workspace, channel_id=channel_id)
        channel = services.channel_disconnect(channel=channel, by=request.user)
        return Response(ChannelOutput(channel).data)


class ChannelGuidelinesApi(WorkspaceAPIView):
    actions = {"GET": "channels.view", "PATCH": "channels.guidelines"}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ChannelGuidelinesInput"

        role = serializers.ChoiceField(
            choices=ChannelGuidelines.Role.choices,
            required=False,
            allow_blank=True,
            help_text="Empty: not set",
        )
        audience = serializers.CharField(required=False, allow_blank=True, max_length=300)
        tone_of_voice = serializers.CharField(required=False, allow_blank=True)
        default_hashtags = serializers.ListField(child=serializers.CharField(), required=False)
        banned_hashtags = serializers.ListField(child=serializers.CharField(), required=False)
        banned_words = serializers.ListField(child=serializers.CharField(), required=False)
        notes = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(responses=GuidelinesOutput)
    def get(self, request: Request, slug: str, channel_id: int) -> Response:
        channel = selectors.channel_get(workspace=self.workspace, channel_id=channel_id)
        guidelines = getattr(channel, "guidelines", None)
        if guidelines is None:
            raise Http404
        return Response(GuidelinesOutput(guidelines).data)

    @extend_schema(request=InputSerializer, responses=GuidelinesOutput)
    def patch(self, request: AuthenticatedRequest, slug: str, channel_id: int) -> Response:
        channel = selectors.channel_get(workspace=self.workspace, channel_id=channel_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        guidelines = services.channel_guidelines_update(
            channel=channel, by=request.user, **serializer.validated_data
        )
        return Response(GuidelinesOutput(guidelines).data)


class PostingSlotListApi(WorkspaceAPIView):
    actions = {"GET": "channels.view", "POST": "channels.guidelines"}

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PostingSlotInput"

        weekday = serializers.ChoiceField(choices=PostingSlot.Weekday.choices)
        time = serializers.TimeField()

    @extend_schema(responses=SlotOutput(many=True))
    def get(self, request: Request, slug: str, channel_id: int) -> Response:
        channel = selectors.channel_get(workspace=self.workspace, channel_id=channel_id)
        return Response(SlotOutput(channel.posting_slots.all(), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: SlotOutput})
    def post(self, request: AuthenticatedRequest, slug: str, channel_id: int) -> Response:
        channel = selectors.channel_get(workspace=self.workspace, channel_id=channel_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot = services.posting_slot_add(
            channel=channel,
            by=request.user,
            weekday=serializer.validated_data["weekday"],
            at=serializer.validated_data["time"],
        )
        return Response(SlotOutput(slot).data, status=status.HTTP_201_CREATED)


class PostingSlotDetailApi(WorkspaceAPIView):
    actions = {"DELETE": "channels.guidelines"}

    @extend_schema(responses={204: None})
    def delete(
        self, request: AuthenticatedRequest, slug: str, channel_id: int, slot_id: int
    ) -> Response:
        channel = selectors.channel_get(workspace=self.workspace, channel_id=channel_id)
        slot = selectors.posting_slot_get(
            workspace=self.workspace, channel=channel, slot_id=slot_id
        )
        services.posting_slot_remove(slot=slot, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _plain(value: Any) -> Any:
    """A registry dataclass as JSON: lazy translations become text, tuples lists."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def spec_as_json(kind: str) -> dict[str, Any]:
    return _plain(asdict(get_spec(kind)))


class PlatformListApi(APIView):
    """What each of the suite's platforms accepts (the rules registry)."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(operation_id="platforms_list", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response([spec_as_json(spec.kind) for spec in all_specs()])


class PlatformDetailApi(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(operation_id="platforms_retrieve", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, kind: str) -> Response:
        if kind not in Platform.values:
            raise Http404
        return Response(spec_as_json(kind))
