"""Reads for the CSV import: the batches of a workspace, one batch's report, and the two files
to download (the failed rows of a batch, a template built from the workspace's channels)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.models import Channel
from content.models import Campaign, ImportBatch, Post
from content.services.exports import csv_safe
from content.services.imports import COLUMNS, normalise_handle, parse_csv
from smm.models import Workspace

RECENT_BATCHES = 50


@dataclass(frozen=True)
class ImportRow:
    """One row of a batch's report, as the pages and the API show it."""

    row: int
    status: str  # "scheduled", "draft" or "error"
    post_id: int | None
    errors: list[str]
    warnings: list[str]
    summary: str
    channels: str
    publish_at: datetime | None
    post_exists: bool = True  # False once the imported post was deleted


@dataclass(frozen=True)
class ImportReport:
    """A batch's report split into the file's facts and its rows, with the counts."""

    batch: ImportBatch
    dry_run: bool
    encoding: str
    delimiter: str
    columns: list[str]
    warnings: list[str]
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def running(self) -> bool:
        """A large file still being imported by a worker."""
        return self.batch.finished_at is None

    @property
    def done_rows(self) -> int:
        return len(self.rows)

    @property
    def scheduled(self) -> int:
        return sum(1 for r in self.rows if r.status == "scheduled")

    @property
    def drafts(self) -> int:
        return sum(1 for r in self.rows if r.status == "draft")

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r.status == "error")

    @property
    def delimiter_name(self) -> str:
        return {",": _("comma"), ";": _("semicolon"), "\t": _("tab")}.get(
            self.delimiter, self.delimiter
        )


def import_list(*, workspace: Workspace) -> QuerySet[ImportBatch]:
    """The workspace's latest batches, newest first, with who uploaded them, `is_dry_run` and
    `rows_not_imported`; the report and the file (up to 2 MB each) are left out."""
    return (
        ImportBatch.objects.for_workspace(workspace)
        .select_related("created_by")
        .annotate(
            is_dry_run=ExpressionWrapper(Q(report__0__dry_run=True), output_field=BooleanField()),
            rows_not_imported=F("rows_total") - F("rows_imported"),
        )
        .defer("content", "report")
        .order_by("-created_at", "-pk")[:RECENT_BATCHES]
    )


def import_get(*, workspace: Workspace, batch_id: int) -> ImportBatch:
    """One batch of `workspace`; Http404 for another workspace's id."""
    return get_object_or_404(
        ImportBatch.objects.for_workspace(workspace).select_related("created_by"), pk=batch_id
    )


def import_is_dry_run(batch: ImportBatch) -> bool:
    return bool(batch.report and batch.report[0].get("dry_run"))


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def import_report(batch: ImportBatch) -> ImportReport:
    """The report of `batch`; one query to learn which imported posts still exist."""
    header: dict[str, Any] = {}
    entries = list(batch.report or [])
    if entries and entries[0].get("status") == "header":
        header = entries.pop(0)
    post_ids = {e["post_id"] for e in entries if e.get("post_id")}
    existing = (
        set(
            Post.objects.for_workspace(batch.workspace)
            .filter(pk__in=post_ids)
            .values_list("pk", flat=True)
        )
        if post_ids
        else set()
    )
    rows = [
        ImportRow(
            row=int(e.get("row", 0)),
            status=str(e.get("status", "error")),
            post_id=e.get("post_id"),
            errors=[str(m) for m in e.get("errors", [])],
            warnings=[str(m) for m in e.get("warnings", [])],
            summary=str(e.get("summary", "")),
            channels=str(e.get("channels", "")),
            publish_at=_parse_time(e.get("publish_at")),
            post_exists=e.get("post_id") in existing,
        )
        for e in entries
    ]
    return ImportReport(
        batch=batch,
        dry_run=bool(header.get("dry_run")),
        encoding=str(header.get("encoding", "utf-8")),
        delimiter=str(header.get("delimiter", ",")),
        columns=[str(c) for c in header.get("columns", [])],
        warnings=[str(m) for m in header.get("warnings", [])],
        rows=rows,
    )


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads the file as UTF-8
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()


def failed_rows_csv(*, batch: ImportBatch) -> str:
    """The rows of `batch` that were not imported, with all their cells as written and an
    "error" column first saying why. The import reads this file back as it is (it skips the
    "error" column), so fixing the cells and uploading it again imports them. Cells a
    spreadsheet would run as formulas get a leading apostrophe, which the import removes.
    Empty string when no row failed."""
    failed = {e["row"]: e for e in (batch.report or [])[1:] if e.get("status") == "error"}
    if not failed:
        return ""
    header = batch.report[0]
    _row, cells, rows = parse_csv(batch.content, delimiter=header.get("delimiter") or None)
    lines = [["error", *cells]]
    for row in rows:
        entry = failed.get(row.number)
        if entry is not None:
            lines.append(["\n".join(entry.get("errors", [])), *row.cells])
    return _csv_text(lines)


def template_csv(*, workspace: Workspace, now: datetime | None = None) -> str:
    """A CSV file to fill in: the header and example rows that use the workspace's own channels
    (and its first active campaign), publish times next week in the workspace's zone."""
    tz = ZoneInfo(workspace.timezone)
    today = (now or timezone.now()).astimezone(tz).date()
    channels = list(
        Channel.objects.for_workspace(workspace)
        .exclude(status=Channel.Status.DISCONNECTED)
        .order_by("platform", "pk")
    )
    handles: dict[str, int] = {}
    for channel in channels:
        key = normalise_handle(channel.handle)
        handles[key] = handles.get(key, 0) + 1

    def name(channel: Channel) -> str:
        # Without the "@": a spreadsheet takes "@tulip" for a formula. The import adds it back.
        handle = channel.handle.strip().lstrip("@")
        if not handle:
            return str(channel.pk)
        if handles[normalise_handle(channel.handle)] > 1:
            return f"{channel.platform}:{handle}"
        return handle

    names = [name(c) for c in channels] or ["your_handle"]
    campaign = (
        Campaign.objects.for_workspace(workspace).filter(archived_at=None).order_by("pk").first()
    )
    first = today + timedelta(days=7)
    second = today + timedelta(days=8)
    rows = [
        list(COLUMNS),
        [
            f"{first:%Y-%m-%d} 09:00",
            ", ".join(names[:2]),
            _("Our spring roast is here! Fruity, bright and roasted this week."),
            "https://example.com/spring-roast",
            "",
            _("Spring roast"),
            campaign.slug if campaign else "",
            "scheduled",
        ],
        [
            f"{second:%Y-%m-%d} 12:30",
            names[-1],
            _("Three ways to brew it at home:\n1. Pour-over\n2. AeroPress\n3. French press"),
            "",
            "",
            _("Brewing guide"),
            "",
            "",
        ],
        [
            "",
            names[0],
            _("An idea for later: this row has no publish_at, so it becomes a draft."),
            "",
            "",
            "",
            "",
            "draft",
        ],
    ]
    return _csv_text(rows)
