"""Organic campaigns: posts that serve one objective over a period."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smm.models import TenantQuerySet, Workspace


class CampaignObjective(models.TextChoices):
    AWARENESS = "awareness", _("Awareness / branding")
    TRAFFIC = "traffic", _("Traffic")
    ENGAGEMENT = "engagement", _("Engagement")
    LEADS = "leads", _("Leads")
    CONVERSIONS = "conversions", _("Conversions")


class Campaign(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(_("name"), max_length=120)
    # utm_campaign of the campaign's tracked links; unique within the workspace.
    slug = models.SlugField(_("slug"), max_length=80)
    objective = models.CharField(_("objective"), max_length=16, choices=CampaignObjective.choices)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    color = models.CharField(_("colour"), max_length=7, default="#3c71f7")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-starts_on", "name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints: ClassVar[list] = [
            models.UniqueConstraint(
                fields=["workspace", "slug"], name="campaign_slug_per_workspace"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name
