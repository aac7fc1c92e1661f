"""Django admin. Staff only (and through allauth's login, so MFA holds). Superusers see every
workspace; other staff see and change only workspaces in which they hold the role that the same
action needs in the UI (smm.tenancy.PERMISSIONS) — one rule for UI, API and admin."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from smm.models import (
    ActivityEvent,
    ApiToken,
    Heartbeat,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
)
from smm.services import membership_remove_by_staff, workspace_delete
from smm.tenancy import role_for


def workspace_ids_for_staff(request: HttpRequest, action: str) -> list[int] | None:
    """Workspaces in which the staff user may do `action`; None means all (superuser)."""
    user = cast(User, request.user)  # admin pages are for logged-in staff only
    if user.is_superuser:
        return None
    minimum = role_for(action)
    return [
        m.workspace_id
        for m in Membership.objects.filter(user=user)
        if Role(m.role).at_least(minimum)
    ]


class WorkspaceScopedAdmin(admin.ModelAdmin):
    """Base for every admin of a customer-owned model (a model with a `workspace` FK)."""

    workspace_field = "workspace"
    view_action = "workspace.update"
    change_action = "workspace.update"
    delete_action: str | None = None  # defaults to change_action

    def _workspace_id(self, obj: Any) -> int:
        return getattr(obj, f"{self.workspace_field}_id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        ids = workspace_ids_for_staff(request, self.view_action)
        return qs if ids is None else qs.filter(**{f"{self.workspace_field}__in": ids})

    def _may(self, request: HttpRequest, obj: Any | None, action: str) -> bool:
        if obj is None:
            return True
        ids = workspace_ids_for_staff(request, action)
        return ids is None or self._workspace_id(obj) in ids

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._may(
            request, obj, self.change_action
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may(
            request, obj, self.delete_action or self.change_action
        )

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        """Delete one row. Subclasses whose model has a delete service call it here, so that
        the admin's delete page and its "delete selected" action keep the service's rules and
        activity log; the default is a plain delete (rows no service owns)."""
        obj.delete()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._delete_through_service(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # One at a time, through the service (the admin already asked for confirmation).
        for obj in queryset:
            self._delete_through_service(request, obj)

    def _delete_through_service(self, request: HttpRequest, obj: Any) -> None:
        try:
            self.service_delete(request, obj)
        except ValidationError as exc:
            # The service's rule (a workspace keeps an owner, ...) refused: say so, keep the row.
            self.message_user(request, f"{obj}: {' '.join(exc.messages)}", level=messages.ERROR)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == self.workspace_field:
            ids = workspace_ids_for_staff(request, self.change_action)
            if ids is not None:
                kwargs["queryset"] = Workspace.objects.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    """The workspace's members, read-only: a member is removed on the Memberships page of the
    admin (through the membership service, which keeps an owner and logs it) or in the UI."""

    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("user", "role", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdmin):
    workspace_field = "id"
    delete_action = "workspace.delete"
    list_display = ("name", "slug", "timezone", "language", "is_demo", "created_at")
    search_fields = ("name", "slug")
    list_filter = ("is_demo", "language")
    readonly_fields = ("created_at", "updated_at")
    inlines = (MembershipInline,)

    def _workspace_id(self, obj: Any) -> int:
        return obj.pk

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        # The admin's confirmation page stands in for typing the name.
        workspace_delete(workspace=obj, by=request.user, confirm_name=obj.name)  # type: ignore[arg-type]


@admin.register(Membership)
class MembershipAdmin(WorkspaceScopedAdmin):
    view_action = "members.view"
    change_action = "members.change_role"
    list_display = ("user", "workspace", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "workspace__name")
    autocomplete_fields = ("user", "workspace")

    delete_action = "members.remove"

    # Staff who are not superusers see memberships; roles change in the UI, under its rules.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        membership_remove_by_staff(membership=obj, by=cast(User, request.user))

    def get_readonly_fields(self, request: HttpRequest, obj: Any | None = None) -> Any:
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("workspace", "user", "role", "created_at")


@admin.register(Invitation)
class InvitationAdmin(WorkspaceScopedAdmin):
    view_action = "members.invite"
    change_action = "members.invite"
    list_display = ("email", "workspace", "role", "status", "created_at", "expires_at")
    search_fields = ("email", "workspace__name")
    # The token is stored only as a hash and never shown.
    exclude = ("token_hash",)
    readonly_fields = ("created_at", "accepted_at", "accepted_by", "invited_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made in the UI or API, where the link is created, hashed and e-mailed


@admin.register(ActivityEvent)
class ActivityEventAdmin(WorkspaceScopedAdmin):
    view_action = "activity.view"
    list_display = ("created_at", "workspace", "actor_label", "verb", "target_label")
    list_filter = ("verb",)
    search_fields = ("actor_label", "target_label", "verb")
    date_hierarchy = "created_at"

    # The audit log is append-only, also for administrators.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return request.user.is_superuser


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "language", "is_staff", "is_active", "last_login")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "lookup_prefix",
        "read_only",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    search_fields = ("name", "user__email", "lookup_prefix")
    exclude = ("token_hash",)
    readonly_fields = ("user", "lookup_prefix", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are made by their owner in the UI, where the secret is shown once


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "sent_at", "received_at", "worker")
    readonly_fields = ("name", "sent_at", "received_at", "worker")
