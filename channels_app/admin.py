"""Admin for channels: health and guidelines visible, tokens never (not even as a field)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from channels_app.models import Channel, ChannelGuidelines, MastodonApp, PostingSlot
from smm.admin import WorkspaceScopedAdmin


class PostingSlotInline(admin.TabularInline):
    """The channel's posting slots, read-only: they are added and removed on the channel's page,
    through the services that log it."""

    model = PostingSlot
    extra = 0
    fields = ("weekday", "time")
    readonly_fields = ("weekday", "time")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        # Slots carry the channel's workspace; they are added in the UI, where it is set.
        return False


@admin.register(Channel)
class ChannelAdmin(WorkspaceScopedAdmin):
    view_action = "channels.view"
    change_action = "channels.manage"
    list_display = (
        "__str__",
        "workspace",
        "platform",
        "status",
        "token_expires_at",
        "last_success_at",
    )
    list_filter = ("platform", "status")
    search_fields = ("handle", "display_name", "external_id", "workspace__name")
    # The token vault stays out of the admin: only the services read the tokens.
    exclude = ("access_token", "refresh_token")
    readonly_fields = (
        "workspace",
        "platform",
        "external_id",
        "handle",
        "display_name",
        "avatar_url",
        "profile_url",
        "followers_count",
        "instance_url",
        "extra",
        "platform_limits",
        "token_expires_at",
        "refresh_expires_at",
        "token_refreshed_at",
        "refresh_due_at",
        "scopes",
        "status",
        "last_error",
        "last_error_at",
        "last_success_at",
        "refresh_failures",
        "connected_by",
        "connected_at",
        "disconnected_at",
    )
    inlines = (PostingSlotInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Channels are connected through the platform's login in the UI, never typed in.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        # Deleting the row would take its posts and history along: people disconnect in the UI.
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(ChannelGuidelines)
class ChannelGuidelinesAdmin(WorkspaceScopedAdmin):
    view_action = "channels.view"
    change_action = "channels.guidelines"
    list_display = ("channel", "workspace", "role")
    readonly_fields = ("workspace", "channel")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(MastodonApp)
class MastodonAppAdmin(admin.ModelAdmin):
    """Our registrations on Mastodon servers. Deleting one makes Ripple register again."""

    list_display = ("instance_url", "redirect_uri", "created_at")
    exclude = ("client_secret",)
    readonly_fields = ("instance_url", "redirect_uri", "client_id", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return request.user.is_superuser
