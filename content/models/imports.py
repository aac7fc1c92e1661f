"""CSV imports of posts, with the uploaded file and the report per row kept."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smm.models import TenantQuerySet, Workspace


class ImportBatch(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=255)
    # The file as uploaded: rows that failed can be fixed and imported again from it.
    content = models.TextField()
    rows_total = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    # [{"row": 2, "status": "scheduled"|"draft"|"error", "post_id": 7, "errors": [...]}]
    report = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when every row is done. Large files are imported by a worker; until then the report
    # page shows the progress, and a batch whose worker died is resumed by the sweep.
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return self.filename
