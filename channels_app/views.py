"""Pages of the channels area: list and connect, OAuth callback, channel detail, disconnect."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from channels_app import platforms, selectors, services
from channels_app.forms import (
    BlueskyConnectForm,
    GuidelinesForm,
    MastodonConnectForm,
    PendingChoiceForm,
    PostingSlotForm,
)
from channels_app.models import Channel, Platform
from smm.forms import form_add_service_errors
from smm.http import AuthenticatedHttpRequest
from smm.models import Membership, Workspace
from smm.tenancy import can, workspace_for_member, workspace_view

OAUTH_SESSION_KEY = "channels_oauth"
OAUTH_FLOW_LIFETIME = timedelta(minutes=15)
OAUTH_MAX_FLOWS = 5


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _list_page(
    request: HttpRequest,
    workspace: Workspace,
    *,
    mastodon_form: MastodonConnectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    membership = _membership(request)
    channels = [
        (channel, selectors.channel_health(channel))
        for channel in selectors.channel_list(workspace=workspace)
    ]
    return render(
        request,
        "channels_app/channel_list.html",
        {
            "workspace": workspace,
            "channels": channels,
            "platforms": platforms.all_availability(),
            "can_manage": can(membership, "channels.manage"),
            "mastodon_form": mastodon_form or MastodonConnectForm(),
            # A Mastodon form with errors opens its card.
            "open_platform": "mastodon" if mastodon_form is not None else "",
        },
        status=status,
    )


@login_required
@workspace_view("channels.view")
def channel_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    return _list_page(request, workspace)


def _remember_flow(request: HttpRequest, state: str, flow: dict) -> None:
    flows = dict(request.session.get(OAUTH_SESSION_KEY, {}))
    flows[state] = flow
    # Keep the newest few: a user may start a connection in two tabs.
    newest = sorted(flows.items(), key=lambda kv: kv[1]["started"])[-OAUTH_MAX_FLOWS:]
    request.session[OAUTH_SESSION_KEY] = dict(newest)


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("channels.manage")
def channel_connect(
    request: AuthenticatedHttpRequest, membership: Membership, platform: str
) -> HttpResponse:
    """Start connecting `platform`: redirect to its login page, or show the Bluesky form."""
    workspace = membership.workspace
    if platform not in Platform.values:
        raise Http404
    available = platforms.availability(platform)
    if available.connect_method == "app_password":
        return _connect_app_password(request, workspace, available)
    if request.method != "POST":
        return redirect("channels_app:channel_list", slug=workspace.slug)
    form = (
        MastodonConnectForm(request.POST) if available.connect_method == "instance_oauth" else None
    )
    if form is not None and not form.is_valid():
        return _list_page(request, workspace, mastodon_form=form, status=400)
    try:
        start = services.channel_connect_start(
            workspace=workspace,
            by=request.user,
            platform=platform,
            instance=form.cleaned_data["instance"] if form is not None else "",
        )
    except ValidationError as exc:
        if form is not None:
            form_add_service_errors(form, exc)
            return _list_page(request, workspace, mastodon_form=form, status=400)
        messages.error(request, " ".join(exc.messages))
        return redirect("channels_app:channel_list", slug=workspace.slug)
    _remember_flow(request, start.state, start.pending)
    return redirect(start.url)


def _connect_app_password(
    request: AuthenticatedHttpRequest,
    workspace: Workspace,
    available: platforms.PlatformAvailability,
) -> HttpResponse:
    form = BlueskyConnectForm(
        request.POST or None, initial={"identifier": request.GET.get("handle", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            channel = services.channel_connect_app_password(
                workspace=workspace,
                by=request.user,
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
                service_url=form.cleaned_data["service_url"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Connected %(channel)s.") % {"channel": channel.handle})
            return redirect(
                "channels_app:channel_detail", slug=workspace.slug, channel_id=channel.pk
            )
    return render(
        request,
        "channels_app/connect_app_password.html",
        {"workspace": workspace, "form": form, "platform": available},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def oauth_callback(request: AuthenticatedHttpRequest, platform: str) -> HttpResponse:
    """Where a platform sends the browser back after its login page."""
    state = request.GET.get("state", "")
    flows = dict(request.session.get(OAUTH_SESSION_KEY, {}))
    flow = flows.pop(state, None) if state else None
    request.session[OAUTH_SESSION_KEY] = flows
    if flow is None or flow["platform"] != platform:
        messages.error(
            request,
            _("This connection attempt is unknown or was already used; please connect again."),
        )
        return redirect("smm:home")
    if flow["user"] != request.user.pk:
        raise Http404
    workspace = workspace_for_member(request, flow["workspace"], action="channels.manage")
    back = redirect("channels_app:channel_list", slug=workspace.slug)
    if datetime.fromisoformat(flow["started"]) < timezone.now() - OAUTH_FLOW_LIFETIME:
        messages.error(request, _("The connection took too long; please connect again."))
        return back
    if request.GET.get("error") or not request.GET.get("code"):
        reason = request.GET.get("error_description") or request.GET.get("error") or _("no code")
        messages.error(
            request,
            _("%(platform)s did not connect the account: %(reason)s")
            % {"platform": Platform(platform).label, "reason": reason[:300]},
        )
        return back
    try:
        outcome = services.channel_connect_complete(
            workspace=workspace,
            by=request.user,
            platform=platform,
            code=request.GET["code"],
            code_verifier=flow.get("verifier"),
            instance_url=flow.get("instance_url") or "",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back
    if outcome.pending is not None:
        return redirect(
            "channels_app:pending_choose", slug=workspace.slug, pending_id=outcome.pending.pk
        )
    channel = outcome.channels[0]
    messages.success(
        request, _("Connected %(channel)s.") % {"channel": channel.handle or channel.display_name}
    )
    return redirect("channels_app:channel_detail", slug=workspace.slug, channel_id=channel.pk)


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("channels.manage")
def pending_choose(
    request: AuthenticatedHttpRequest, membership: Membership, pending_id: int
) -> HttpResponse:
    """Pick which of the accounts an authorization gave access to become channels."""
    workspace = membership.workspace
    pending = selectors.pending_connection_get(
        workspace=workspace, user=request.user, pending_id=pending_id
    )
    accounts = services.pending_accounts(pending)
    existing = selectors.channel_external_ids_connected(
        workspace=workspace, platform=pending.platform
    )
    choices = [(a.credentials.account_id, a.profile.name or a.profile.handle) for a in accounts]
    form = PendingChoiceForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            channels = services.channel_connect_pending(
                pending=pending,
                account_ids=form.cleaned_data["accounts"],
                by=request.user,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Connected %(channels)s.")
                % {"channels": ", ".join(c.handle or c.display_name for c in channels)},
            )
            return redirect("channels_app:channel_list", slug=workspace.slug)
    return render(
        request,
        "channels_app/pending_choose.html",
        {
            "workspace": workspace,
            "pending": pending,
            "accounts": accounts,
            "existing": existing,
            "form": form,
            "platform_name": Platform(pending.platform).label,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("channels.view")
def channel_detail(
    request: AuthenticatedHttpRequest, membership: Membership, channel_id: int
) -> HttpResponse:
    """A channel's health, guidelines and posting slots. POST saves the guidelines."""
    workspace = membership.workspace
    channel = selectors.channel_get(workspace=workspace, channel_id=channel_id)
    guidelines = getattr(channel, "guidelines", None)
    initial = {}
    if guidelines is not None:
        initial = {
            "role": guidelines.role,
            "audience": guidelines.audience,
            "tone_of_voice": guidelines.tone_of_voice,
            "default_hashtags": " ".join(f"#{t}" for t in guidelines.default_hashtags),
            "banned_hashtags": " ".join(f"#{t}" for t in guidelines.banned_hashtags),
            "banned_words": "\n".join(guidelines.banned_words),
            "notes": guidelines.notes,
        }
    form = GuidelinesForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not can(membership, "channels.guidelines"):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.channel_guidelines_update(
                    channel=channel, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("Guidelines saved."))
                return redirect(
                    "channels_app:channel_detail", slug=workspace.slug, channel_id=channel.pk
                )
        status = 400
    return render(
        request,
        "channels_app/channel_detail.html",
        {
            "workspace": workspace,
            "channel": channel,
            "health": selectors.channel_health(channel),
            "spec": selectors.channel_spec(channel),
            "availability": platforms.availability(channel.platform),
            "form": form,
            "slot_form": PostingSlotForm(),
            "slots": channel.posting_slots.all(),
            "can_manage": can(membership, "channels.manage"),
            "can_edit": can(membership, "channels.guidelines"),
        },
        status=status,
    )


@login_required
@require_POST
@workspace_view("channels.manage")
def channel_check(request: HttpRequest, membership: Membership, channel_id: int) -> HttpResponse:
    """Check the connection now (re-reads the profile)."""
    workspace = membership.workspace
    channel = selectors.channel_get(workspace=workspace, channel_id=channel_id)
    outcome = services.channel_profile_refresh(channel_id=channel.pk)
    if outcome == "ok":
        messages.success(request, _("The connection works."))
    elif outcome == "skipped":
        messages.warning(request, _("This channel is not connected; reconnect it first."))
    else:
        messages.error(request, _("The check failed; see the last error below."))
    return redirect("channels_app:channel_detail", slug=workspace.slug, channel_id=channel.pk)


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("channels.manage")
def channel_disconnect(
    request: AuthenticatedHttpRequest, membership: Membership, channel_id: int
) -> HttpResponse:
    workspace = membership.workspace
    channel = selectors.channel_get(workspace=workspace, channel_id=channel_id)
    if channel.status == Channel.Status.DISCONNECTED:
        return redirect("channels_app:channel_detail", slug=workspace.slug, channel_id=channel.pk)
    if request.method == "POST":
        services.channel_disconnect(channel=channel, by=request.user)
        messages.success(request, _("Disconnected %(channel)s.") % {"channel": channel.handle})
        return redirect("channels_app:channel_list", slug=workspace.slug)
    return render(
        request,
        "channels_app/channel_disconnect.html",
        {"workspace": workspace, "channel": channel},
    )


@login_required
@require_POST
@workspace_view("channels.guidelines")
def slot_add(
    request: AuthenticatedHttpRequest, membership: Membership, channel_id: int
) -> HttpResponse:
    workspace = membership.workspace
    channel = selectors.channel_get(workspace=workspace, channel_id=channel_id)
    form = PostingSlotForm(request.POST)
    if form.is_valid():
        try:
            services.posting_slot_add(
                channel=channel,
                by=request.user,
                weekday=form.cleaned_data["weekday"],
                at=form.cleaned_data["time"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Posting slot added."))
    else:
        messages.error(request, _("Pick a day and a time."))
    return redirect("channels_app:channel_detail", slug=workspace.slug, channel_id=channel.pk)


@login_required
@require_POST
@workspace_view("channels.guidelines")
def slot_remove(
    request: AuthenticatedHttpRequest, membership: Membership, channel_id: int, slot_id: int
) -> HttpResponse:
    workspace = membership.workspace
    channel = selectors.channel_get(workspace=workspace, channel_id=channel_id)
    slot = selectors.posting_slot_get(workspace=workspace, channel=channel, slot_id=slot_id)
    services.posting_slot_remove(slot=slot, by=request.user)
    messages.success(request, _("Posting slot removed."))
    return redirect("channels_app:channel_detail", slug=workspace.slug, channel_id=channel.pk)
