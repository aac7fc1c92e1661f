from __future__ import annotations

from django.urls import path

from channels_app import views

app_name = "channels_app"

urlpatterns = [
    path("w/<slug:slug>/channels/", views.channel_list, name="channel_list"),
    path(
        "w/<slug:slug>/channels/connect/<str:platform>/",
        views.channel_connect,
        name="channel_connect",
    ),
    path(
        "w/<slug:slug>/channels/pending/<int:pending_id>/",
        views.pending_choose,
        name="pending_choose",
    ),
    path("w/<slug:slug>/channels/<int:channel_id>/", views.channel_detail, name="channel_detail"),
    path(
        "w/<slug:slug>/channels/<int:channel_id>/check/", views.channel_check, name="channel_check"
    ),
    path(
        "w/<slug:slug>/channels/<int:channel_id>/disconnect/",
        views.channel_disconnect,
        name="channel_disconnect",
    ),
    path("w/<slug:slug>/channels/<int:channel_id>/slots/", views.slot_add, name="slot_add"),
    path(
        "w/<slug:slug>/channels/<int:channel_id>/slots/<int:slot_id>/remove/",
        views.slot_remove,
        name="slot_remove",
    ),
    # One fixed callback per platform: it is registered with the platform's app once.
    path("channels/oauth/<str:platform>/callback/", views.oauth_callback, name="oauth_callback"),
]
