"""Pages: the workspace's content settings (approval rules, review links)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from content.services import settings as services
from smm.forms import form_add_service_errors
from smm.http import AuthenticatedHttpRequest
from smm.models import Membership, Workspace
from smm.selectors import membership_list
from smm.tenancy import workspace_view


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.display_name} · {obj.get_role_display()}"


class ContentSettingsForm(forms.Form):
    approval_required = forms.BooleanField(
        label=gettext_lazy("Contributors' posts need approval before they are scheduled"),
        required=False,
    )
    approvers = MemberChoiceField(
        label=gettext_lazy("Approvers"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave all unticked to let every editor, admin and owner approve."),
    )
    review_link_days = forms.IntegerField(
        label=gettext_lazy("Client review links stay valid for (days)"),
        min_value=services.REVIEW_LINK_DAYS_MIN,
        max_value=services.REVIEW_LINK_DAYS_MAX,
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approvers"].queryset = membership_list(workspace=workspace)  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("content.settings")
def content_settings(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    current = services.content_settings_get(workspace=workspace)
    form = ContentSettingsForm(
        request.POST or None,
        workspace=workspace,
        initial={
            "approval_required": current.approval_required,
            "approvers": list(current.approvers.values_list("pk", flat=True)),
            "review_link_days": current.review_link_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.content_settings_update(
                workspace=workspace,
                by=request.user,
                approval_required=form.cleaned_data["approval_required"],
                approver_ids=[m.pk for m in form.cleaned_data["approvers"]],
                review_link_days=form.cleaned_data["review_link_days"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Content settings saved."))
            return redirect("content:settings", slug=workspace.slug)
    return render(
        request,
        "content/settings.html",
        {"workspace": workspace, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/content/settings/", content_settings, name="settings"),
]
