"""Pages of the shared kernel: workspaces, members, invitations, activity, account, API tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smm import notifications as notification_services
from smm import selectors, services
from smm.accounts import INVITED_EMAIL_SESSION_KEY
from smm.forms import (
    ApiTokenForm,
    InvitationForm,
    NotificationPreferencesForm,
    ProfileForm,
    RoleForm,
    WorkspaceDeleteForm,
    WorkspaceForm,
    form_add_service_errors,
)
from smm.http import AuthenticatedHttpRequest
from smm.models import ApiToken, Invitation, Membership, Notification, Role
from smm.tenancy import can, can_assign_role, can_manage_member, workspace_view


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the process answers (no database call)."""
    return JsonResponse({"status": "ok"})


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Send the user to their current workspace, or to the list when they have none or several."""
    workspaces = list(selectors.workspace_list_for_user(user=request.user))
    current = request.session.get("current_workspace")
    for workspace in workspaces:
        if workspace.slug == current:
            return redirect("smm:workspace_home", slug=workspace.slug)
    if len(workspaces) == 1:
        return redirect("smm:workspace_home", slug=workspaces[0].slug)
    return redirect("smm:workspace_list")


@login_required
@require_http_methods(["GET", "POST"])
def workspace_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(
                name=form.cleaned_data["name"],
                timezone_name=form.cleaned_data["timezone"],
                language=form.cleaned_data["language"],
                by=request.user,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Workspace “%(name)s” created.") % {"name": workspace.name})
            return redirect("smm:workspace_home", slug=workspace.slug)
    workspaces = selectors.workspace_list_for_user(user=request.user)
    return render(request, "smm/workspace_list.html", {"workspaces": workspaces, "form": form})


@login_required
@workspace_view("workspace.view")
def workspace_home(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    members = selectors.membership_list(workspace=workspace)
    recent = (
        list(selectors.activity_list(workspace=workspace)[:8])
        if can(membership, "activity.view")
        else []
    )
    return render(
        request,
        "smm/workspace_home.html",
        {"workspace": workspace, "members": members, "recent": recent},
    )


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("workspace.update")
def workspace_settings(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    initial = {
        "name": workspace.name,
        "timezone": workspace.timezone,
        "language": workspace.language,
    }
    form = WorkspaceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.workspace_update(
                workspace=workspace,
                by=request.user,
                name=form.cleaned_data["name"],
                timezone_name=form.cleaned_data["timezone"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("smm:workspace_settings", slug=workspace.slug)
    return render(request, "smm/workspace_settings.html", {"workspace": workspace, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("workspace.delete")
def workspace_delete(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = WorkspaceDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.workspace_delete(
                workspace=workspace, by=request.user, confirm_name=form.cleaned_data["confirm_name"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            request.session.pop("current_workspace", None)
            messages.success(request, _("Workspace “%(name)s” deleted.") % {"name": workspace.name})
            return redirect("smm:workspace_list")
    return render(request, "smm/workspace_delete.html", {"workspace": workspace, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("members.view")
def member_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    actor = membership
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not can(actor, "members.invite"):
            raise PermissionDenied
        if form.is_valid():
            try:
                sent = services.invitation_create(
                    workspace=workspace,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    by=actor,
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                _report_invitation(request, sent)
                return redirect("smm:member_list", slug=workspace.slug)
    members = [
        (m, can_manage_member(actor, m) and m.pk != actor.pk)
        for m in selectors.membership_list(workspace=workspace)
    ]
    # Labels resolved once, not once per member row.
    assignable = [
        (value, str(label)) for value, label in Role.choices if can_assign_role(actor, value)
    ]
    return render(
        request,
        "smm/member_list.html",
        {
            "workspace": workspace,
            "members": members,
            "invitations": selectors.invitation_list_open(workspace=workspace)
            if can(actor, "members.invite")
            else [],
            "form": form,
            "assignable_roles": assignable,
            "can_invite": can(actor, "members.invite"),
            # The last owner cannot leave; offering the button would only lead to an error.
            "can_leave": actor.role != Role.OWNER
            or sum(1 for m, _ in members if m.role == Role.OWNER) > 1,
            "invite_url": request.session.pop("smm_invite_url", None),
            "now": timezone.now(),
        },
    )


def _report_invitation(request: HttpRequest, sent: services.InvitationSent) -> None:
    # The raw link exists only now; show it once so it can be shared if e-mail is not set up.
    request.session["smm_invite_url"] = sent.url
    if sent.email_sent:
        messages.success(
            request, _("Invitation sent to %(email)s.") % {"email": sent.invitation.email}
        )
    else:
        messages.warning(
            request,
            _(
                "The invitation for %(email)s was saved, but the e-mail could not be sent. "
                "Share the link below."
            )
            % {"email": sent.invitation.email},
        )


@login_required
@require_POST
@workspace_view("members.change_role")
def member_role(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    workspace = membership.workspace
    member = get_object_or_404(Membership, workspace=workspace, pk=member_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_change_role(
                membership=member, role=form.cleaned_data["role"], by=membership
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(email)s is now %(role)s.")
                % {"email": member.user.email, "role": Role(member.role).label},
            )
    return redirect("smm:member_list", slug=workspace.slug)


@login_required
@require_POST
@workspace_view("members.view")
def member_remove(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    # Leaving is open to every member; removing others needs members.remove.
    workspace = membership.workspace
    member = get_object_or_404(
        Membership.objects.select_related("user"), workspace=workspace, pk=member_id
    )
    leaving = member.pk == membership.pk
    if not leaving and not can(membership, "members.remove"):
        raise PermissionDenied
    try:
        services.membership_remove(membership=member, by=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("smm:member_list", slug=workspace.slug)
    if leaving:
        request.session.pop("current_workspace", None)
        messages.success(request, _("You left %(name)s.") % {"name": workspace.name})
        return redirect("smm:workspace_list")
    messages.success(request, _("%(email)s was removed.") % {"email": member.user.email})
    return redirect("smm:member_list", slug=workspace.slug)


def _on_invitation(
    request: HttpRequest,
    membership: Membership,
    invitation_id: int,
    act: Callable[[Invitation], None],
) -> HttpResponse:
    """Do `act` to invitation `invitation_id` of the membership's workspace (404 for another
    workspace's) and go back to the team page; a service's refusal becomes an error message."""
    invitation = get_object_or_404(Invitation, workspace=membership.workspace, pk=invitation_id)
    try:
        act(invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("smm:member_list", slug=membership.workspace.slug)


@login_required
@require_POST
@workspace_view("members.invite")
def invitation_resend(
    request: HttpRequest, membership: Membership, invitation_id: int
) -> HttpResponse:
    def resend(invitation: Invitation) -> None:
        _report_invitation(
            request, services.invitation_resend(invitation=invitation, by=membership)
        )

    return _on_invitation(request, membership, invitation_id, resend)


@login_required
@require_POST
@workspace_view("members.invite")
def invitation_revoke(
    request: HttpRequest, membership: Membership, invitation_id: int
) -> HttpResponse:
    def revoke(invitation: Invitation) -> None:
        services.invitation_revoke(invitation=invitation, by=membership)
        message = _("Invitation for %(email)s revoked.") % {"email": invitation.email}
        messages.success(request, message)

    return _on_invitation(request, membership, invitation_id, revoke)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """The link in the invitation e-mail. Anonymous visitors are offered sign-up or log-in and
    come back here; a logged-in user confirms with a POST."""
    invitation = selectors.invitation_get_by_token(raw_token=token)
    if invitation is None:
        raise Http404
    context: dict[str, object] = {"invitation": invitation, "token": token}
    if invitation.status != "pending":
        return render(
            request, "smm/invitation_accept.html", {**context, "closed": True}, status=410
        )
    if not request.user.is_authenticated:
        # Signing up from this link with the invited address needs no second verification mail.
        request.session[INVITED_EMAIL_SESSION_KEY] = invitation.email
        return render(request, "smm/invitation_accept.html", context)
    if request.method == "POST":
        try:
            membership = services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
        else:
            request.session.pop(INVITED_EMAIL_SESSION_KEY, None)
            messages.success(
                request, _("Welcome to %(name)s.") % {"name": membership.workspace.name}
            )
            return redirect("smm:workspace_home", slug=membership.workspace.slug)
    return render(request, "smm/invitation_accept.html", context)


@login_required
@workspace_view("activity.view")
def activity(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    area = request.GET.get("area", "")
    areas = {"workspace": "workspace.", "members": "member.", "invitations": "invitation."}
    actor_id = request.GET.get("actor") or None
    page = selectors.activity_page(
        workspace=workspace,
        verb_prefix=areas.get(area, ""),
        actor_id=int(actor_id) if actor_id and actor_id.isdigit() else None,
        before=request.GET.get("before"),
        after=request.GET.get("after"),
    )
    return render(
        request,
        "smm/activity.html",
        {
            "workspace": workspace,
            "page": page,
            "area": area,
            "actor": actor_id or "",
            "members": selectors.membership_list(workspace=workspace),
        },
    )


@login_required
@workspace_view("system.status")
def system_status(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    return render(
        request,
        "smm/system_status.html",
        {"workspace": workspace, "status": selectors.heartbeat_status()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(
        request.POST or None, initial={"name": request.user.name, "language": request.user.language}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(
                user=request.user,
                name=form.cleaned_data["name"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Your profile was saved."))
            response = redirect("smm:profile")
            _set_language_cookie(response, form.cleaned_data["language"])
            return response
    return render(request, "smm/profile.html", {"form": form})


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax"
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)


@require_POST
def language_switch(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Switch the interface language: saved on the account when logged in, in a cookie always."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = ""
    if request.user.is_authenticated:
        services.user_update_profile(user=request.user, name=request.user.name, language=language)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    _set_language_cookie(response, language)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_at"]
        expires_at = (
            timezone.make_aware(dt.datetime.combine(expires_on, dt.time.max))
            if expires_on
            else None
        )
        try:
            created = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                read_only=form.cleaned_data["read_only"],
                expires_at=expires_at,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            form = ApiTokenForm()
    return render(
        request,
        "smm/api_tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": selectors.api_token_list_for_user(user=request.user),
        },
    )


@login_required
@require_POST
def api_token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, user=request.user, pk=token_id)
    services.api_token_revoke(token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("smm:api_tokens")


# Notifications ---------------------------------------------------------------------------------

NOTIFICATIONS_PER_PAGE = 50


def _preferences_form(request: AuthenticatedHttpRequest) -> NotificationPreferencesForm:
    return NotificationPreferencesForm(
        request.POST if request.method == "POST" else None,
        prefix="email",
        kinds=notification_services.notification_kinds(),
        initial_email=notification_services.notification_email_preferences(user=request.user),
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's notifications of every workspace, newest first, and which kinds also come by
    e-mail. POST with `preferences` saves those choices; any other POST marks all read."""
    preferences = _preferences_form(request)
    if request.method == "POST" and "preferences" in request.POST:
        if preferences.is_valid():
            notification_services.notification_preferences_update(
                user=request.user, email=preferences.cleaned_email()
            )
            messages.success(request, _("Your e-mail choices are saved."))
        return redirect("smm:notifications")
    if request.method == "POST":
        changed = notification_services.notification_mark_all_read(user=request.user)
        if changed:
            messages.success(request, _("All notifications are marked as read."))
        return redirect("smm:notifications")
    paginator = Paginator(
        notification_services.notification_list_for_user(user=request.user),
        NOTIFICATIONS_PER_PAGE,
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "smm/notifications.html",
        {
            "page": page,
            "unread": notification_services.notification_unread_count(user=request.user),
            "preferences": preferences,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request: AuthenticatedHttpRequest, notification_id: int) -> HttpResponse:
    """Mark one of the user's notifications read and go where it points (404 for anyone else's).

    GET is allowed so that a notification opens in a new tab too; marking read is idempotent.
    """
    try:
        notification = notification_services.notification_get_for_user(
            user=request.user, notification_id=notification_id
        )
    except Notification.DoesNotExist:
        raise Http404 from None
    notification_services.notification_mark_read(notification=notification)
    target = notification.url
    allowed = {request.get_host(), urlsplit(settings.SITE_URL).netloc}
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts=allowed, require_https=request.is_secure()
    ):
        return redirect("smm:notifications")
    return redirect(target)
