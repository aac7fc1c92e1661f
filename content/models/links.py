"""Tracked short links (/l/<code>), their clicks per day, and conversions reported to us.

No personal data: a click is a counter per link and day; nothing about the visitor is kept.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smm.models import TenantQuerySet, Workspace


class ShortLink(models.Model):
    """One destination for one channel of one post: utm_source is that channel's platform."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=16, unique=True)
    original_url = models.URLField(max_length=2000)
    destination_url = models.URLField(max_length=2500)  # original_url with the UTM parameters
    post = models.ForeignKey(
        "content.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target = models.ForeignKey(
        "content.PostTarget",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="short_links",
    )
    channel = models.ForeignKey(
        "channels_app.Channel", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    campaign = models.ForeignKey(
        "content.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    clicks = models.PositiveBigIntegerField(default=0)  # total, kept next to the daily counts
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return f"/l/{self.code}"


class LinkClickDaily(models.Model):
    link = models.ForeignKey(ShortLink, on_delete=models.CASCADE, related_name="daily")
    day = models.DateField()
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list] = [
            models.UniqueConstraint(fields=["link", "day"], name="link_click_day"),
        ]

    def __str__(self) -> str:
        return f"{self.link} {self.day}: {self.clicks}"


class TrackingKey(models.Model):
    """A per-workspace secret with which a shop or a CRM reports conversions (and nothing else)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    lookup_prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Conversion(models.Model):
    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        LEAD = "lead", _("Lead")
        SIGNUP = "signup", _("Sign-up")
        OTHER = "other", _("Other")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(
        ShortLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversions"
    )
    campaign = models.ForeignKey(
        "content.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, blank=True)
    # The reporter's own id (order number): the same conversion reported twice counts once.
    external_id = models.CharField(max_length=128, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-occurred_at"]
        constraints: ClassVar[list] = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                condition=~models.Q(external_id=""),
                name="conversion_external_id_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value} {self.currency}"
