"""The channels area's REST API routes, included under /api/v1/ in the `api` namespace."""

from __future__ import annotations

from django.urls import path

from channels_app import api

urlpatterns = [
    path("workspaces/<slug:slug>/channels/", api.ChannelListApi.as_view(), name="channel_list"),
    path(
        "workspaces/<slug:slug>/channels/<int:channel_id>/",
        api.ChannelDetailApi.as_view(),
        name="channel_detail",
    ),
    path(
        "workspaces/<slug:slug>/channels/<int:channel_id>/disconnect/",
        api.ChannelDisconnectApi.as_view(),
        name="channel_disconnect",
    ),
    path(
        "workspaces/<slug:slug>/channels/<int:channel_id>/guidelines/",
        api.ChannelGuidelinesApi.as_view(),
        name="channel_guidelines",
    ),
    path(
        "workspaces/<slug:slug>/channels/<int:channel_id>/slots/",
        api.PostingSlotListApi.as_view(),
        name="posting_slot_list",
    ),
    path(
        "workspaces/<slug:slug>/channels/<int:channel_id>/slots/<int:slot_id>/",
        api.PostingSlotDetailApi.as_view(),
        name="posting_slot_detail",
    ),
    path("platforms/", api.PlatformListApi.as_view(), name="platform_list"),
    path("platforms/<str:kind>/", api.PlatformDetailApi.as_view(), name="platform_detail"),
]
