from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from smm import api, notifications_api, registry, views

# Admin logs in through allauth, so MFA and the login rate limits apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Ripple administration"

smm_patterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("workspaces/", views.workspace_list, name="workspace_list"),
    path("w/<slug:slug>/", views.workspace_home, name="workspace_home"),
    path("w/<slug:slug>/settings/", views.workspace_settings, name="workspace_settings"),
    path("w/<slug:slug>/delete/", views.workspace_delete, name="workspace_delete"),
    path("w/<slug:slug>/members/", views.member_list, name="member_list"),
    path("w/<slug:slug>/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path(
        "w/<slug:slug>/members/<int:member_id>/remove/", views.member_remove, name="member_remove"
    ),
    path(
        "w/<slug:slug>/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "w/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("w/<slug:slug>/activity/", views.activity, name="activity"),
    path("w/<slug:slug>/status/", views.system_status, name="system_status"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("account/profile/", views.profile, name="profile"),
    path("account/language/", views.language_switch, name="language_switch"),
    path("account/api-tokens/", views.api_tokens, name="api_tokens"),
    path(
        "account/api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"
    ),
    path("account/notifications/", views.notifications, name="notifications"),
    path(
        "account/notifications/<int:notification_id>/open/",
        views.notification_open,
        name="notification_open",
    ),
]

api_patterns: list[URLPattern | URLResolver] = [
    path("me/", api.MeApi.as_view(), name="me"),
    path(
        "notifications/", notifications_api.NotificationListApi.as_view(), name="notification_list"
    ),
    path(
        "notifications/read/",
        notifications_api.NotificationReadApi.as_view(),
        name="notification_read",
    ),
    path("workspaces/", api.WorkspaceListApi.as_view(), name="workspace_list"),
    path("workspaces/<slug:slug>/", api.WorkspaceDetailApi.as_view(), name="workspace_detail"),
    path("workspaces/<slug:slug>/members/", api.MemberListApi.as_view(), name="member_list"),
    path(
        "workspaces/<slug:slug>/members/<int:member_id>/",
        api.MemberDetailApi.as_view(),
        name="member_detail",
    ),
    path(
        "workspaces/<slug:slug>/invitations/",
        api.InvitationListApi.as_view(),
        name="invitation_list",
    ),
    path(
        "workspaces/<slug:slug>/invitations/<int:invitation_id>/",
        api.InvitationDetailApi.as_view(),
        name="invitation_detail",
    ),
    path("workspaces/<slug:slug>/activity/", api.ActivityListApi.as_view(), name="activity_list"),
    # Each app's API joins the one `api` namespace (its plugin's `api_urls`).
    *(path("", include(module)) for module in registry.api_url_modules()),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include((smm_patterns, "smm"))),
    # Each app's pages, in its own namespace (its plugin's `web_urls`).
    *(path("", include(module)) for module in registry.web_url_modules()),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_patterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
