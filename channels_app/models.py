"""Connected accounts ("channels"), their token vault and health, and per-channel guidelines."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smm.crypto import EncryptedTextField
from smm.models import TenantQuerySet, Workspace


class Platform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    X = "x", "X"
    LINKEDIN = "linkedin", "LinkedIn"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube"
    SNAPCHAT = "snapchat", "Snapchat"
    PINTEREST = "pinterest", "Pinterest"
    THREADS = "threads", "Threads"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"


class Channel(models.Model):
    """One connected account of a workspace on one platform.

    The tokens live here, encrypted (EncryptedTextField); they are never shown in admin, API, logs
    or error pages. A disconnected channel keeps its row (posts refer to it) without tokens.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Connected")
        NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")
        DISCONNECTED = "disconnected", _("Disconnected")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    external_id = models.CharField(_("account id on the platform"), max_length=255)
    handle = models.CharField(_("handle"), max_length=255, blank=True)
    display_name = models.CharField(_("name"), max_length=255, blank=True)
    avatar_url = models.URLField(_("avatar"), max_length=1000, blank=True)
    profile_url = models.URLField(_("profile"), max_length=1000, blank=True)
    followers_count = models.PositiveBigIntegerField(_("followers"), null=True, blank=True)
    instance_url = models.URLField(_("server"), max_length=255, blank=True)
    # Non-secret ids the adapter needs besides external_id (author URN, ...).
    extra = models.JSONField(default=dict, blank=True)
    # Limits read from the platform itself (Mastodon's instance configuration).
    platform_limits = models.JSONField(default=dict, blank=True)

    access_token = EncryptedTextField(blank=True, default="")
    refresh_token = EncryptedTextField(blank=True, default="")
    token_expires_at = models.DateTimeField(_("access token expires"), null=True, blank=True)
    refresh_expires_at = models.DateTimeField(_("refresh token expires"), null=True, blank=True)
    token_refreshed_at = models.DateTimeField(_("token obtained"), null=True, blank=True)
    # The adapter renews the access token before it expires (refresh token, or Instagram's own).
    token_renews = models.BooleanField(_("renews automatically"), default=False)
    # When the refresh sweep should refresh the token next: about half its lifetime.
    refresh_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    scopes = models.JSONField(_("granted permissions"), default=list, blank=True)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful call"), null=True, blank=True)
    refresh_failures = models.PositiveSmallIntegerField(default=0)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    connected_at = models.DateTimeField(_("connected"), default=timezone.now)
    disconnected_at = models.DateTimeField(_("disconnected"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["platform", "handle", "id"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "external_id"], name="channel_unique_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.handle or self.external_id}"

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.ACTIVE

    def expires_within(self, delta: timedelta) -> bool:
        return self.token_expires_at is not None and self.token_expires_at <= timezone.now() + delta


class ChannelGuidelines(models.Model):
    """How the team uses one channel: its role, tone of voice, hashtag habits.

    The composer (content) checks posts against these on top of the platform's rules."""

    class Role(models.TextChoices):
        AWARENESS = "awareness", _("Awareness: reach new people")
        ENGAGEMENT = "engagement", _("Engagement: conversation with followers")
        CONVERSION = "conversion", _("Conversion: traffic and sales")
        SERVICE = "service", _("Customer service")
        EMPLOYER = "employer", _("Employer branding")
        THOUGHT_LEADERSHIP = "thought_leadership", _("Thought leadership")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="guidelines")
    role = models.CharField(_("role of the channel"), max_length=30, choices=Role, blank=True)
    audience = models.CharField(_("audience"), max_length=300, blank=True)
    tone_of_voice = models.TextField(_("tone of voice"), blank=True)
    default_hashtags = models.JSONField(_("default hashtags"), default=list, blank=True)
    banned_hashtags = models.JSONField(_("banned hashtags"), default=list, blank=True)
    # Words or phrases the brand never uses here; the composer warns when a post has one.
    banned_words = models.JSONField(_("banned words"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("channel guidelines")
        verbose_name_plural = _("channel guidelines")

    def __str__(self) -> str:
        return f"Guidelines for {self.channel}"


class PostingSlot(models.Model):
    """A weekly moment the team likes to post on a channel (weekday + wall-clock time in the
    workspace's time zone); the queue fills these."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="posting_slots")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    time = models.TimeField(_("time"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["weekday", "time"]
        verbose_name = _("posting slot")
        verbose_name_plural = _("posting slots")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["channel", "weekday", "time"], name="posting_slot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.time:%H:%M}"


class PendingConnection(models.Model):
    """Accounts an authorization gave access to, waiting for the user to pick which to connect.

    Lives a few minutes; the payload (credentials included) is encrypted."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    payload = EncryptedTextField()
    instance_url = models.URLField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    objects = TenantQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Pending {self.platform} connection"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class MastodonApp(models.Model):
    """Our app's registration on one Mastodon instance (client id and secret), shared by every
    workspace that connects an account there. Not tenant data: the instance issued it to us."""

    instance_url = models.URLField(max_length=255)
    redirect_uri = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    client_secret = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["instance_url", "redirect_uri"], name="mastodon_app_unique"
            )
        ]

    def __str__(self) -> str:
        return self.instance_url


def refresh_due(obtained_at: datetime, expires_at: datetime | None) -> datetime | None:
    """When to refresh a token obtained at `obtained_at`: at half its lifetime (None: never)."""
    if expires_at is None:
        return None
    return obtained_at + (expires_at - obtained_at) / 2
