"""Admin for content: campaigns, hashtag groups, snippets and approval settings are edited here;
posts, media, links, conversions and imports are shown for support, read-only (their states move
through the services, so the publishing engine and the approval trail stay consistent)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from content.models import (
    Campaign,
    ContentSettings,
    Conversion,
    HashtagGroup,
    ImportBatch,
    MediaAsset,
    Post,
    PostComment,
    PostReview,
    PostTarget,
    ShortLink,
    Snippet,
    TrackingKey,
)
from content.services.library import hashtag_group_delete, snippet_delete
from content.services.links import tracking_key_revoke
from smm.admin import WorkspaceScopedAdmin
from smm.models import Membership


class ReadOnlyMixin:
    """Rows the services own: visible to support, not editable or deletable here."""

    def has_add_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False


class PostTargetInline(ReadOnlyMixin, admin.TabularInline):
    model = PostTarget
    extra = 0
    fields = (
        "channel",
        "status",
        "scheduled_at",
        "published_at",
        "external_url",
        "duplicate_url",  # a possible second copy (a late success with another id)
        "lease_expires_at",  # while publishing: until when its worker holds it
        "last_error",
    )
    readonly_fields = fields
    show_change_link = False


class PostReviewInline(ReadOnlyMixin, admin.TabularInline):
    model = PostReview
    extra = 0
    fields = ("created_at", "action", "actor_label", "comment", "post_version")
    readonly_fields = fields


class PostCommentInline(ReadOnlyMixin, admin.TabularInline):
    model = PostComment
    extra = 0
    fields = ("created_at", "author_label", "body")
    readonly_fields = fields


@admin.register(Post)
class PostAdmin(ReadOnlyMixin, WorkspaceScopedAdmin):
    view_action = "content.view"
    change_action = "content.edit_any"
    list_display = ("__str__", "workspace", "status", "scheduled_at", "author", "updated_at")
    list_filter = ("status", "source")
    search_fields = ("text", "title", "workspace__name")
    date_hierarchy = "scheduled_at"
    list_select_related = ("workspace", "author")
    readonly_fields = (
        "workspace",
        "author",
        "campaign",
        "status",
        "text",
        "title",
        "link",
        "first_comment",
        "shorten_links",
        "scheduled_at",
        "repeat_every",
        "repeat_unit",
        "repeat_until",
        "recurrence_parent",
        "source",
        "version",
        "submitted_at",
        "approved_at",
        "approved_by_label",
        "created_at",
        "updated_at",
    )
    inlines = (PostTargetInline, PostReviewInline, PostCommentInline)


@admin.register(Campaign)
class CampaignAdmin(WorkspaceScopedAdmin):
    view_action = "content.view"
    change_action = "campaigns.manage"
    list_display = ("name", "workspace", "objective", "starts_on", "ends_on", "archived_at")
    list_filter = ("objective",)
    search_fields = ("name", "slug", "workspace__name")
    readonly_fields = ("created_at", "updated_at", "created_by")


@admin.register(HashtagGroup)
class HashtagGroupAdmin(WorkspaceScopedAdmin):
    view_action = "content.view"
    change_action = "content.library"
    list_display = ("name", "workspace")
    search_fields = ("name", "workspace__name")

    def service_delete(self, request: HttpRequest, obj: HashtagGroup) -> None:
        hashtag_group_delete(group=obj, by=request.user)  # type: ignore[arg-type]


@admin.register(Snippet)
class SnippetAdmin(WorkspaceScopedAdmin):
    view_action = "content.view"
    change_action = "content.library"
    list_display = ("name", "workspace")
    search_fields = ("name", "body", "workspace__name")

    def service_delete(self, request: HttpRequest, obj: Snippet) -> None:
        snippet_delete(snippet=obj, by=request.user)  # type: ignore[arg-type]


@admin.register(ContentSettings)
class ContentSettingsAdmin(WorkspaceScopedAdmin):
    view_action = "content.settings"
    change_action = "content.settings"
    list_display = ("workspace", "approval_required", "review_link_days")
    filter_horizontal = ("approvers",)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "approvers":
            # Approvers must be members of the settings' own workspace.
            object_id = (
                request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            )
            settings_row = (
                ContentSettings.objects.filter(pk=object_id).first() if object_id else None
            )
            members = Membership.objects.select_related("user", "workspace")
            kwargs["queryset"] = (
                members.filter(workspace_id=settings_row.workspace_id)
                if settings_row
                else members.none()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(MediaAsset)
class MediaAssetAdmin(ReadOnlyMixin, WorkspaceScopedAdmin):
    view_action = "content.view"
    change_action = "media.upload"
    list_display = ("__str__", "workspace", "kind", "content_type", "size", "width", "height")
    list_filter = ("kind",)
    search_fields = ("original_name", "alt_text", "workspace__name")
    readonly_fields = (
        "workspace",
        "uploaded_by",
        "file",
        "original_name",
        "kind",
        "content_type",
        "size",
        "sha256",
        "width",
        "height",
        "duration_seconds",
        "fps",
        "video_codec",
        "audio_codec",
        "alt_text",
        "focal_x",
        "focal_y",
        "created_at",
    )


@admin.register(ShortLink)
class ShortLinkAdmin(ReadOnlyMixin, WorkspaceScopedAdmin):
    view_action = "links.view"
    change_action = "links.manage"
    list_display = ("code", "workspace", "original_url", "utm_source", "utm_campaign", "clicks")
    search_fields = ("code", "original_url", "workspace__name")
    readonly_fields = (
        "workspace",
        "code",
        "original_url",
        "destination_url",
        "post",
        "target",
        "channel",
        "campaign",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "clicks",
        "created_at",
    )


@admin.register(Conversion)
class ConversionAdmin(ReadOnlyMixin, WorkspaceScopedAdmin):
    view_action = "links.view"
    change_action = "tracking_keys.manage"
    list_display = ("occurred_at", "workspace", "kind", "value", "currency", "link", "utm_campaign")
    list_filter = ("kind",)
    readonly_fields = (
        "workspace",
        "link",
        "campaign",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "kind",
        "value",
        "currency",
        "external_id",
        "occurred_at",
        "created_at",
    )


@admin.register(TrackingKey)
class TrackingKeyAdmin(WorkspaceScopedAdmin):
    """Keys are created in the app (the secret is shown once there); here they can be revoked."""

    view_action = "tracking_keys.manage"
    change_action = "tracking_keys.manage"
    list_display = (
        "name",
        "workspace",
        "lookup_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = (
        "workspace",
        "name",
        "lookup_prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[TrackingKey]) -> None:
        """Revoke through `tracking_key_revoke`, like the app (and so logged the same way)."""
        count = 0
        for key in queryset.filter(revoked_at__isnull=True).select_related("workspace"):
            if self._may(request, key, self.change_action):
                tracking_key_revoke(key=key, by=request.user)  # type: ignore[arg-type]
                count += 1
        self.message_user(request, _("%(count)d keys revoked.") % {"count": count})


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyMixin, WorkspaceScopedAdmin):
    view_action = "content.import"
    change_action = "content.import"
    list_display = ("filename", "workspace", "created_at", "rows_total", "rows_imported")
    readonly_fields = (
        "workspace",
        "created_by",
        "filename",
        "rows_total",
        "rows_imported",
        "report",
        "created_at",
    )
    exclude = ("content",)
