"""Pages: organic campaigns (list, new, detail with edit form and the campaign's posts)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from content.models import Campaign, CampaignObjective
from content.selectors import campaigns as selectors
from content.services import campaigns as services
from smm.forms import form_add_service_errors
from smm.http import AuthenticatedHttpRequest
from smm.models import Membership
from smm.tenancy import can, workspace_view


class CampaignForm(forms.Form):
    """Parses the campaign form; the service checks slug, dates, tags and colour."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    objective = forms.ChoiceField(
        label=gettext_lazy("Objective"), choices=CampaignObjective.choices
    )
    slug = forms.CharField(
        label=gettext_lazy("Slug"),
        max_length=80,
        required=False,
        help_text=gettext_lazy(
            "Used as utm_campaign in tracked links. Leave empty to make one from the name."
        ),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("Starts"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Ends"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Separate tags with commas, e.g. spring, coffee, launch."),
    )
    color = forms.CharField(
        label=gettext_lazy("Colour on the calendar"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What the campaign is for and who it speaks to."),
    )

    @classmethod
    def initial_for(cls, campaign: Campaign) -> dict[str, Any]:
        return {
            "name": campaign.name,
            "objective": campaign.objective,
            "slug": campaign.slug,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "tags": ", ".join(campaign.tags or []),
            "color": campaign.color,
            "description": campaign.description,
        }


@login_required
@workspace_view("content.view")
def campaign_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Active campaigns (or, with ?archived=1, the archived ones) with their posts per status."""
    workspace = membership.workspace
    archived = request.GET.get("archived") == "1"
    campaigns = [
        (campaign, selectors.post_counts(campaign))
        for campaign in selectors.campaign_list(workspace=workspace, archived=archived)
    ]
    return render(
        request,
        "content/campaign_list.html",
        {
            "workspace": workspace,
            "campaigns": campaigns,
            "archived": archived,
            "can_manage": can(membership, "campaigns.manage"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("campaigns.manage")
def campaign_create(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = CampaignForm(request.POST or None, initial={"color": services.DEFAULT_COLOR})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                workspace=workspace,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Campaign “%(name)s” created.") % {"name": campaign.name})
            return redirect("content:campaign_detail", slug=workspace.slug, campaign_id=campaign.pk)
    return render(
        request,
        "content/campaign_form.html",
        {"workspace": workspace, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("content.view", write_action="campaigns.manage")
def campaign_detail(
    request: AuthenticatedHttpRequest, membership: Membership, campaign_id: int
) -> HttpResponse:
    """The campaign's facts and posts; POST (campaigns.manage) saves the edit form."""
    workspace = membership.workspace
    campaign = selectors.campaign_get(workspace=workspace, campaign_id=campaign_id)
    can_manage = can(membership, "campaigns.manage")
    form = (
        CampaignForm(request.POST or None, initial=CampaignForm.initial_for(campaign))
        if can_manage
        else None
    )
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.campaign_update(
                campaign=campaign,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("content:campaign_detail", slug=workspace.slug, campaign_id=campaign.pk)
    if request.method == "POST":
        campaign.refresh_from_db()  # the facts show what is stored, the form what was typed
    return render(
        request,
        "content/campaign_detail.html",
        {
            "workspace": workspace,
            "campaign": campaign,
            "counts": selectors.post_counts(campaign),
            "posts": selectors.campaign_posts(campaign=campaign),
            "form": form,
            "can_manage": can_manage,
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
@workspace_view("campaigns.manage")
def campaign_archive(
    request: AuthenticatedHttpRequest, membership: Membership, campaign_id: int
) -> HttpResponse:
    workspace = membership.workspace
    campaign = selectors.campaign_get(workspace=workspace, campaign_id=campaign_id)
    services.campaign_archive(campaign=campaign, by=request.user)
    messages.success(
        request,
        _("Campaign “%(name)s” archived. Its posts and links are kept.") % {"name": campaign.name},
    )
    return redirect("content:campaign_list", slug=workspace.slug)


@login_required
@require_POST
@workspace_view("campaigns.manage")
def campaign_unarchive(
    request: AuthenticatedHttpRequest, membership: Membership, campaign_id: int
) -> HttpResponse:
    workspace = membership.workspace
    campaign = selectors.campaign_get(workspace=workspace, campaign_id=campaign_id)
    services.campaign_unarchive(campaign=campaign, by=request.user)
    messages.success(request, _("Campaign “%(name)s” is active again.") % {"name": campaign.name})
    return redirect("content:campaign_detail", slug=workspace.slug, campaign_id=campaign.pk)


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/campaigns/", campaign_list, name="campaign_list"),
    path("w/<slug:slug>/campaigns/new/", campaign_create, name="campaign_create"),
    path("w/<slug:slug>/campaigns/<int:campaign_id>/", campaign_detail, name="campaign_detail"),
    path(
        "w/<slug:slug>/campaigns/<int:campaign_id>/archive/",
        campaign_archive,
        name="campaign_archive",
    ),
    path(
        "w/<slug:slug>/campaigns/<int:campaign_id>/unarchive/",
        campaign_unarchive,
        name="campaign_unarchive",
    ),
]
