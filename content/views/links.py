"""Pages: tracked links (list with clicks and conversions), tracking keys, and the public
redirect /l/<code>."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from content.models import Conversion
from content.selectors import links as selectors
from content.services import links as services
from smm.forms import form_add_service_errors
from smm.http import AuthenticatedHttpRequest
from smm.models import Membership, Workspace
from smm.tenancy import can, workspace_view

PAGE_SIZE = 50

# Link previews and crawlers fetch the link to draw a card; they are not people clicking.
_PREVIEW_AGENTS = re.compile(
    r"facebookexternalhit|facebot|meta-externalagent|twitterbot|linkedinbot|slackbot|"
    r"slack-imgproxy|telegrambot|whatsapp|discordbot|mastodon|pleroma|misskey|akkoma|cardyb|"
    r"bluesky|skypeuripreview|pinterest|redditbot|embedly|iframely|applebot|googlebot|bingbot|"
    r"yandex|duckduckbot|baiduspider|petalbot|bot[/;)]|\bbot\b|crawler|spider",
    re.IGNORECASE,
)


def _counts_as_click(request: HttpRequest) -> bool:
    """A GET by a person's browser, not a HEAD, a prefetch or a link-preview/crawler fetch."""
    if request.method != "GET":
        return False
    purpose = request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
    if "prefetch" in purpose.lower():
        return False
    agent = request.headers.get("User-Agent", "")
    return bool(agent) and not _PREVIEW_AGENTS.search(agent)


@never_cache
@require_safe
def short_link(request: HttpRequest, code: str) -> HttpResponse:
    """The public redirect of a tracked link: 302 to its destination, 404 for an unknown code.

    No login, no cookies, nothing about the visitor stored: a click is one more on the link's
    counter for today. HEAD requests, prefetches and link-preview bots are not counted.
    """
    if _counts_as_click(request):
        link = services.link_click_record(code=code, when=timezone.now())
    else:
        link = selectors.link_get_by_code_unscoped(code=code)
    if link is None:
        raise Http404
    response = HttpResponseRedirect(link.destination_url)
    response["X-Robots-Tag"] = "noindex"
    return response


class LinkFilterForm(forms.Form):
    campaign = forms.TypedChoiceField(
        label=gettext_lazy("Campaign"), required=False, coerce=int, empty_value=None
    )
    channel = forms.TypedChoiceField(
        label=gettext_lazy("Channel"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: object, workspace: Workspace, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        campaigns, channels = selectors.link_filter_choices(workspace=workspace)
        self.fields["campaign"].choices = [  # type: ignore[attr-defined]
            ("", _("All campaigns")),
            *[(c.pk, c.name) for c in campaigns],
        ]
        self.fields["channel"].choices = [  # type: ignore[attr-defined]
            ("", _("All channels")),
            *[(c.pk, f"{c.get_platform_display()} {c.handle or c.display_name}") for c in channels],
        ]


@login_required
@require_safe
@workspace_view("links.view")
def link_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The workspace's short links: post, channel, campaign, clicks (total and per day over the
    last 30 days), conversions. Filter by campaign and channel (GET parameters)."""
    workspace = membership.workspace
    form = LinkFilterForm(request.GET or None, workspace=workspace)
    campaign_id = channel_id = None
    if form.is_bound and form.is_valid():
        campaign_id = form.cleaned_data["campaign"]
        channel_id = form.cleaned_data["channel"]
    links = selectors.link_list(workspace=workspace, campaign_id=campaign_id, channel_id=channel_id)
    page = Paginator(links, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.link_rows(links=list(page.object_list), today=timezone.localdate())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "content/links_list.html",
        {
            "workspace": workspace,
            "form": form,
            "rows": rows,
            "page": page,
            "filter_query": query.urlencode(),
            "filtered": campaign_id is not None or channel_id is not None,
            "days": selectors.DEFAULT_DAYS,
            "short_base": services.short_link_base_url(),
            "can_manage_keys": can(membership, "tracking_keys.manage"),
        },
    )


class TrackingKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What will use it, e.g. “Web shop” or “CRM”."),
    )


def _tracking_keys_page(
    request: HttpRequest,
    workspace: Workspace,
    *,
    form: TrackingKeyForm,
    created: tuple[object, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "content/tracking_keys.html",
        {
            "workspace": workspace,
            "form": form,
            "keys": selectors.tracking_key_list(workspace=workspace),
            "created_key": created[0] if created else None,
            "created_raw": created[1] if created else "",
            "endpoint": request.build_absolute_uri(reverse("api:conversion_create")),
            "kinds": Conversion.Kind.values,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("tracking_keys.manage")
def tracking_keys(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """Tracking keys of the workspace (admins): list, create (the secret is shown once, in the
    response to the POST, never stored), and how to call the conversion endpoint."""
    workspace = membership.workspace
    if request.method != "POST":
        return _tracking_keys_page(request, workspace, form=TrackingKeyForm())
    form = TrackingKeyForm(request.POST)
    if form.is_valid():
        try:
            created = services.tracking_key_create(
                workspace=workspace,
                by=request.user,
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return _tracking_keys_page(request, workspace, form=TrackingKeyForm(), created=created)
    return _tracking_keys_page(request, workspace, form=form, status=400)


@login_required
@require_POST
@workspace_view("tracking_keys.manage")
def tracking_key_revoke(
    request: AuthenticatedHttpRequest, membership: Membership, key_id: int
) -> HttpResponse:
    workspace = membership.workspace
    key = selectors.tracking_key_get(workspace=workspace, key_id=key_id)
    services.tracking_key_revoke(key=key, by=request.user)
    messages.success(
        request,
        _("Tracking key “%(name)s” revoked; conversions sent with it are now refused.")
        % {"name": key.name},
    )
    return redirect("content:tracking_keys", slug=workspace.slug)


urlpatterns: list[URLPattern] = [
    path("l/<str:code>", short_link, name="short_link"),
    path("w/<slug:slug>/links/", link_list, name="link_list"),
    path("w/<slug:slug>/links/keys/", tracking_keys, name="tracking_keys"),
    path(
        "w/<slug:slug>/links/keys/<int:key_id>/revoke/",
        tracking_key_revoke,
        name="tracking_key_revoke",
    ),
]
