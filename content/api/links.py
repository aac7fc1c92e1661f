"""REST API: tracked links (with clicks per day) and the conversion endpoint for shops and CRMs.

The conversion endpoint takes only a workspace's tracking key (`Authorization: Bearer rtk_…`):
not a session, not a personal API token. It can do nothing but record conversions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import authentication, exceptions, permissions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from content.models import Conversion, ShortLink, TrackingKey
from content.selectors import links as selectors
from content.services import links as services
from smm.tenancy import WorkspaceAPIView

# Tracking keys ---------------------------------------------------------------------------------


class TrackingKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <tracking key>`. Anything else is refused with 401."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, TrackingKey] | None:
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None
        if len(header) != 2 or header[0].lower() != b"bearer":
            raise exceptions.AuthenticationFailed(
                _("Send the tracking key as “Authorization: Bearer <key>”.")
            )
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid tracking key.")) from exc
        key = services.tracking_key_authenticate(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked tracking key."))
        return AnonymousUser(), key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="conversions"'


class HasTrackingKey(permissions.BasePermission):
    message = _("Send a tracking key as “Authorization: Bearer <key>”.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, TrackingKey)


class TrackingKeyThrottle(SimpleRateThrottle):
    """Per tracking key; the rate is SMM_CONVERSION_API_RATE (default 600/minute)."""

    scope = "conversions"

    def get_rate(self) -> str:
        return str(getattr(settings, "SMM_CONVERSION_API_RATE", "600/minute"))

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        key = request.auth
        if not isinstance(key, TrackingKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": key.pk}


class TrackingKeyScheme(OpenApiAuthenticationExtension):
    target_class = "content.api.links.TrackingKeyAuthentication"
    name = "TrackingKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A workspace's tracking key from Tracked links → Tracking keys: "
            "`Bearer rtk_…`. It can only report conversions.",
        }


# Conversions -----------------------------------------------------------------------------------


class ConversionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Conversion.Kind.choices)
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    code = serializers.CharField(source="link.code", allow_null=True, default=None)
    campaign = serializers.CharField(
        source="campaign.slug",
        allow_null=True,
        default=None,
        help_text="Slug of the campaign it was attributed to; null if none.",
    )
    utm_source = serializers.CharField()
    utm_medium = serializers.CharField()
    utm_campaign = serializers.CharField()
    external_id = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


class ConversionCreateApi(APIView):
    """Record a conversion (a sale, a lead…) that came from a tracked link or a campaign.

    Attribute it by `code` (the short link's code, the part after /l/) or by `utm_source` /
    `utm_campaign`. With `external_id` the same conversion sent twice is recorded once: the
    second answer is 200 with the first conversion; a new one is 201.
    """

    authentication_classes = [TrackingKeyAuthentication]
    permission_classes = [HasTrackingKey]
    throttle_classes = [TrackingKeyThrottle]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ConversionInput"

        kind = serializers.ChoiceField(choices=Conversion.Kind.choices)
        value = serializers.DecimalField(
            max_digits=14, decimal_places=2, min_value=0, required=False, default=Decimal(0)
        )
        currency = serializers.CharField(
            max_length=3, required=False, allow_blank=True, default="", help_text="ISO 4217"
        )
        code = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
        utm_source = serializers.CharField(
            max_length=100, required=False, allow_blank=True, default=""
        )
        utm_medium = serializers.CharField(
            max_length=100, required=False, allow_blank=True, default=""
        )
        utm_campaign = serializers.CharField(
            max_length=100, required=False, allow_blank=True, default=""
        )
        external_id = serializers.CharField(
            max_length=128,
            required=False,
            allow_blank=True,
            default="",
            help_text="Your own id (order number): a conversion sent twice counts once.",
        )
        occurred_at = serializers.DateTimeField(
            required=False, allow_null=True, default=None, help_text="Default: now"
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: ConversionOutput, 200: ConversionOutput},
        # A security requirement object; drf-spectacular's annotation says str, it takes both.
        auth=[{"TrackingKey": []}],  # type: ignore[list-item]
    )
    def post(self, request: Request) -> Response:
        key = cast(TrackingKey, request.auth)  # HasTrackingKey let only a live key through
        # Times are read and answered in the workspace's time zone, like the workspace API.
        timezone.activate(key.workspace.timezone)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversion, created = services.conversion_record(key=key, **serializer.validated_data)
        return Response(
            ConversionOutput(conversion).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# Links -----------------------------------------------------------------------------------------


class DayClicksOutput(serializers.Serializer):
    day = serializers.DateField()
    clicks = serializers.IntegerField()


class ConversionTotalOutput(serializers.Serializer):
    currency = serializers.CharField(help_text="Empty for conversions without a value")
    count = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2)


class LinkOutput(serializers.Serializer):
    id = serializers.IntegerField(source="link.pk")
    code = serializers.CharField(source="link.code")
    short_url = serializers.SerializerMethodField()
    original_url = serializers.CharField(source="link.original_url")
    destination_url = serializers.CharField(source="link.destination_url")
    post = serializers.IntegerField(source="link.post_id", allow_null=True)
    channel = serializers.IntegerField(source="link.channel_id", allow_null=True)
    campaign = serializers.CharField(source="link.campaign.slug", allow_null=True, default=None)
    utm_source = serializers.CharField(source="link.utm_source")
    utm_medium = serializers.CharField(source="link.utm_medium")
    utm_campaign = serializers.CharField(source="link.utm_campaign")
    utm_content = serializers.CharField(source="link.utm_content")
    clicks = serializers.IntegerField(source="link.clicks", help_text="All time")
    clicks_per_day = DayClicksOutput(
        source="days", many=True, help_text="Oldest first, days without clicks included"
    )
    conversions = ConversionTotalOutput(many=True, help_text="Per currency")
    created_at = serializers.DateTimeField(source="link.created_at")

    def get_short_url(self, row: selectors.LinkRow) -> str:
        return services.short_url(row.link)


class LinkListApi(WorkspaceAPIView):
    """The workspace's tracked links, newest first, with clicks per day over the last `days`
    days (in the workspace's time zone) and conversions per currency. Limit/offset paginated."""

    actions: ClassVar[dict[str, str]] = {"GET": "links.view"}

    class FilterSerializer(serializers.Serializer):
        campaign = serializers.IntegerField(required=False, help_text="Campaign id")
        channel = serializers.IntegerField(required=False, help_text="Channel id")
        days = serializers.IntegerField(required=False, min_value=1, max_value=366, default=30)

    @extend_schema(
        parameters=[
            OpenApiParameter("campaign", OpenApiTypes.INT, description="Only this campaign's"),
            OpenApiParameter("channel", OpenApiTypes.INT, description="Only this channel's"),
            OpenApiParameter("days", OpenApiTypes.INT, description="Days of clicks (1-366)"),
        ],
        responses=LinkOutput(many=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        links = selectors.link_list(
            workspace=self.workspace,
            campaign_id=filters.validated_data.get("campaign"),
            channel_id=filters.validated_data.get("channel"),
        )
        paginator = LimitOffsetPagination()
        page: list[ShortLink] = paginator.paginate_queryset(links, request, view=self) or []
        rows = selectors.link_rows(
            links=page, today=timezone.localdate(), days=filters.validated_data["days"]
        )
        return paginator.get_paginated_response(LinkOutput(rows, many=True).data)


urlpatterns: list[URLPattern] = [
    path("conversions/", ConversionCreateApi.as_view(), name="conversion_create"),
    path("workspaces/<slug:slug>/links/", LinkListApi.as_view(), name="link_list"),
]
