"""The media library: originals as uploaded, and per-channel renditions made from them."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smm.models import TenantQuerySet, Workspace


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Image")
    GIF = "gif", _("Animated GIF")
    VIDEO = "video", _("Video")


def original_path(instance: MediaAsset, filename: str) -> str:
    # The stored name never comes from the user: a random key plus the detected extension.
    return f"ws{instance.workspace_id}/originals/{filename}"


def rendition_path(instance: MediaRendition, filename: str) -> str:
    return f"ws{instance.asset.workspace_id}/renditions/{filename}"


class MediaAsset(models.Model):
    """One uploaded file, checked by its content. The original is kept untouched."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="media")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=original_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=MediaKind.choices)
    content_type = models.CharField(_("format"), max_length=64)  # detected, not claimed
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    duration_seconds = models.FloatField(_("duration"), null=True, blank=True)
    fps = models.FloatField(_("frame rate"), null=True, blank=True)
    video_codec = models.CharField(_("video codec"), max_length=32, blank=True)
    audio_codec = models.CharField(_("audio codec"), max_length=32, blank=True)
    alt_text = models.TextField(_("alt text"), blank=True)
    # Where the subject is, as fractions of width and height (0..1): crops keep it in frame.
    focal_x = models.FloatField(_("focal point x"), default=0.5)
    focal_y = models.FloatField(_("focal point y"), default=0.5)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        verbose_name = _("media file")
        verbose_name_plural = _("media files")
        constraints: ClassVar[list] = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="media_focal_point_in_frame",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name or f"media {self.pk}"


class MediaRendition(models.Model):
    """`asset` rendered for one platform preset with one fit; remade when focal point or fit change.

    `key` identifies what was rendered (platform, size, fit, focal point), so a stale rendition is
    never reused after the focal point moved.
    """

    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE, related_name="renditions")
    platform = models.CharField(max_length=20)
    key = models.CharField(max_length=120)
    fit = models.CharField(max_length=8)
    file = models.FileField(upload_to=rendition_path, max_length=255)
    content_type = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list] = [
            models.UniqueConstraint(fields=["asset", "key"], name="rendition_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.asset} → {self.key}"
