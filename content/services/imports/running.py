"""Importing the rows of a CSV file: each row is checked as the composer checks a post and
saved on its own (its own transaction), as a draft or scheduled; large files are imported by a
worker and resumed after a crash without creating a row's post twice."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from content.models import ImportBatch, Post
from content.services import planning
from content.services.approvers import approval_needed
from content.services.checks import PostInput
from content.services.enqueue import IMPORT_BATCH_RUN, task_send, task_send_on_commit
from content.services.imports.reading import ParsedFile, ParsedRow, parse_text, read_csv
from content.services.imports.rows import Lookups, RowPlan, plan_row
from content.services.posts import check, post_save
from smm.models import Membership, Workspace
from smm.services import activity_record
from smm.tenancy import can

logger = logging.getLogger(__name__)

SUMMARY_LENGTH = 80
REPORT_SAVE_EVERY = 100


def _summary(data: PostInput) -> str:
    words = " ".join((data.text or data.title or data.link).split())
    return words if len(words) <= SUMMARY_LENGTH else words[: SUMMARY_LENGTH - 1] + "…"


def _validate(workspace: Workspace, plan: RowPlan) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the post a row describes, as the composer would show them.

    A CSV file cannot carry media, so "needs an image or video" does not stop a row: it is
    imported as a draft (even when it asked to be scheduled) to finish in the composer."""
    try:
        result = check(workspace=workspace, data=plan.data, for_scheduling=plan.schedule)
    except ValidationError as exc:
        return list(exc.messages), []
    # "Pick at least one channel" says nothing new next to "No channel “@x”".
    errors = [
        str(issue.message)
        for issue in result.errors
        if not (issue.code == "no_channels" and plan.channels_named)
    ]
    warnings: list[str] = []
    needs_media = False
    for target in result.targets:
        label = f"{target.spec.name} {target.channel.handle}".strip()
        for issue in target.errors:
            if issue.code == "media_required":
                needs_media = True
                warnings.append(f"{label}: {issue.message}")
            else:
                errors.append(f"{label}: {issue.message}")
        warnings += [f"{label}: {issue.message}" for issue in target.warnings]
    if needs_media and plan.schedule:
        plan.schedule = False
        warnings.append(
            _(
                "Imported as a draft: add an image or video in the composer, then schedule it "
                "(a CSV file cannot carry media)."
            )
        )
    return errors, warnings


def _save_row(
    *,
    workspace: Workspace,
    membership: Membership,
    plan: RowPlan,
    entry: dict,
    batch: ImportBatch,
) -> None:
    """Save one valid row in its own transaction and fill in `entry` (status, post_id). The post
    carries its batch and row, so a resumed import knows the row is done."""
    try:
        with transaction.atomic():
            post = post_save(
                workspace=workspace, membership=membership, data=plan.data, source="csv"
            )
            Post.objects.filter(pk=post.pk).update(import_batch=batch, import_row=entry["row"])
    except (ValidationError, PermissionDenied) as exc:
        entry["status"] = "error"
        entry["errors"] += _messages(exc)
        return
    except DatabaseError:
        logger.exception("CSV import: row %s of workspace %s not saved", entry["row"], workspace.pk)
        entry["status"] = "error"
        entry["errors"].append(_("The row could not be saved (database error). Import it again."))
        return
    entry["post_id"] = post.pk
    entry["status"] = "draft"
    if not plan.schedule:
        return
    try:
        with transaction.atomic():
            planning.post_schedule(post=post, membership=membership)
    except (ValidationError, PermissionDenied) as exc:
        reason = " ".join(_messages(exc))
        entry["warnings"].append(
            _("Imported as a draft, not scheduled: %(reason)s") % {"reason": reason}
        )
    else:
        entry["status"] = "scheduled"


def _messages(exc: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc) or _("Your role does not allow this.")]


def may_schedule_new(membership: Membership) -> bool:
    """Whether posts `membership` writes may go on the schedule straight away."""
    return can(membership, "content.schedule") or (
        can(membership, "content.create") and not approval_needed(membership)
    )


def posts_import(
    *,
    workspace: Workspace,
    membership: Membership,
    raw: bytes,
    filename: str,
    dry_run: bool = False,
) -> ImportBatch:
    """Import the posts of CSV file `raw`; returns the stored batch with its report.

    Every row is checked like the composer checks a post (for scheduling when it is to be
    scheduled). A row with errors is not imported; a valid row is saved (source "csv") in its
    own transaction and scheduled when it asks for it (or, without a status, when it has a
    publish_at and `membership` may schedule); when scheduling is refused (approval needed) the
    post stays a draft and the report says why. With `dry_run` nothing but the batch is saved.

    The caller checks the "content.import" permission; saving needs "content.create".
    Raises ValidationError({"file": [...]}) when the file as a whole cannot be imported (then
    nothing is stored). Records "posts.imported" in the activity log (not for a dry run)."""
    parsed = read_csv(raw)
    return _run(
        workspace=workspace,
        membership=membership,
        parsed=parsed,
        filename=filename,
        dry_run=dry_run,
    )


def import_batch_confirm(*, batch: ImportBatch, membership: Membership) -> ImportBatch:
    """Import for real the file a dry-run `batch` checked (read again from the stored content,
    so the rows are checked again). Returns the new batch. Raises ValidationError if `batch`
    was no dry run."""
    header = batch.report[0] if batch.report else {}
    if not header.get("dry_run"):
        raise ValidationError(_("This file has been imported already."))
    parsed = parse_text(
        batch.content,
        encoding=header.get("encoding", "utf-8"),
        delimiter=header.get("delimiter") or None,
    )
    return _run(
        workspace=batch.workspace,
        membership=membership,
        parsed=parsed,
        filename=batch.filename,
        dry_run=False,
        file_warnings=header.get("warnings"),
    )


def _import_row(
    *,
    workspace: Workspace,
    membership: Membership,
    row: ParsedRow,
    lookups: Lookups,
    may_schedule: bool,
    dry_run: bool,
    batch: ImportBatch,
) -> dict:
    """Check one row and (unless `dry_run`) save it; returns its report entry."""
    plan = plan_row(row, lookups, may_schedule=may_schedule)
    errors, warnings = _validate(workspace, plan)
    entry = {
        "row": row.number,
        "status": "scheduled" if plan.schedule else "draft",
        "post_id": None,
        "errors": plan.errors + errors,
        "warnings": plan.warnings + warnings,
        "summary": _summary(plan.data),
        "channels": ", ".join(t for t in re.split(r"[,;\s]+", row.values.get("channels", "")) if t),
        "publish_at": plan.data.scheduled_at.isoformat() if plan.data.scheduled_at else None,
    }
    if entry["errors"]:
        entry["status"] = "error"
    elif not dry_run:
        _save_row(workspace=workspace, membership=membership, plan=plan, entry=entry, batch=batch)
    return entry


def _run(
    *,
    workspace: Workspace,
    membership: Membership,
    parsed: ParsedFile,
    filename: str,
    dry_run: bool,
    file_warnings: list[str] | None = None,
) -> ImportBatch:
    header_entry = {
        "row": parsed.header_row,
        "status": "header",
        "dry_run": dry_run,
        "encoding": parsed.encoding,
        "delimiter": parsed.delimiter,
        "columns": parsed.header,
        "warnings": file_warnings if file_warnings is not None else parsed.warnings,
        "membership": membership.pk,
    }
    # Stored first: the file is kept even if the import stops half-way.
    batch = ImportBatch.objects.create(
        workspace=workspace,
        created_by=membership.user,
        filename=(filename or "import.csv")[:255],
        content=parsed.text,
        rows_total=len(parsed.rows),
        report=[header_entry],
    )
    if len(parsed.rows) > inline_rows():
        task_send_on_commit(IMPORT_BATCH_RUN, batch.pk)
        return batch
    return _process(batch=batch, membership=membership, parsed=parsed)


def inline_rows() -> int:
    """Files with more rows than this are imported by a worker, with a progress page."""
    return int(getattr(settings, "SMM_IMPORT_INLINE_ROWS", 100))


def import_batch_run(*, batch_id: int) -> ImportBatch | None:
    """Import (or resume) the rows of a batch in the background. Rows already done, by an
    earlier run that a worker crash or restart ended, are recognised by their posts and not
    imported twice. A batch whose uploader left the workspace ends with every remaining row
    reported as not imported."""
    batch = ImportBatch.objects.select_related("workspace").filter(pk=batch_id).first()
    if batch is None or batch.finished_at is not None:
        return batch
    header = batch.report[0] if batch.report else {}
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(pk=header.get("membership") or 0, workspace=batch.workspace)
        .first()
    )
    parsed = parse_text(
        batch.content,
        encoding=header.get("encoding", "utf-8"),
        delimiter=header.get("delimiter") or None,
    )
    if membership is None or not can(membership, "content.import"):
        done = {e["row"] for e in batch.report[1:]}
        batch.report = list(batch.report) + [
            {
                "row": row.number,
                "status": "error",
                "post_id": None,
                "errors": [_("Not imported: the person who uploaded the file may no longer.")],
                "warnings": [],
                "summary": "",
                "channels": "",
                "publish_at": None,
            }
            for row in parsed.rows
            if row.number not in done
        ]
        batch.finished_at = timezone.now()
        batch.save(update_fields=["report", "finished_at", "updated_at"])
        return batch
    return _process(batch=batch, membership=membership, parsed=parsed)


def import_batches_resume_stalled() -> int:
    """Re-start background imports that made no progress for 10 minutes (their worker died).
    Cross-workspace sweep for beat. Returns how many were re-started."""
    stalled = list(
        ImportBatch.objects.filter(
            finished_at__isnull=True, updated_at__lt=timezone.now() - timedelta(minutes=10)
        ).values_list("pk", flat=True)
    )
    for pk in stalled:
        ImportBatch.objects.filter(pk=pk).update(updated_at=timezone.now())
        task_send(IMPORT_BATCH_RUN, pk)
    return len(stalled)


def _process(*, batch: ImportBatch, membership: Membership, parsed: ParsedFile) -> ImportBatch:
    workspace = batch.workspace
    header_entry = batch.report[0]
    dry_run = bool(header_entry.get("dry_run"))
    lookups = Lookups.for_workspace(workspace)
    may_schedule = may_schedule_new(membership)
    report: list[dict] = list(batch.report)
    reported = {entry["row"] for entry in report[1:]}
    # Rows whose post exists but whose report entry was lost with a crashed worker.
    saved = {
        post.import_row: post
        for post in Post.objects.filter(import_batch=batch).only("pk", "import_row", "status")
    }
    imported = sum(1 for entry in report[1:] if entry.get("post_id"))
    try:
        for row in parsed.rows:
            if row.number in reported:
                continue
            if row.number in saved:
                post = saved[row.number]
                entry: dict[str, Any] = {
                    "row": row.number,
                    "status": "scheduled" if post.status == Post.Status.SCHEDULED else "draft",
                    "post_id": post.pk,
                    "errors": [],
                    "warnings": [],
                    "summary": "",
                    "channels": row.values.get("channels", ""),
                    "publish_at": None,
                }
            else:
                entry = _import_row(
                    workspace=workspace,
                    membership=membership,
                    row=row,
                    lookups=lookups,
                    may_schedule=may_schedule,
                    dry_run=dry_run,
                    batch=batch,
                )
            if entry["post_id"] is not None:
                imported += 1
            report.append(entry)
            if len(report) % REPORT_SAVE_EVERY == 0:
                # Progress for the report page; a run that stops keeps what it did.
                batch.report, batch.rows_imported = report, imported
                batch.save(update_fields=["report", "rows_imported", "updated_at"])
    finally:
        # Even if something unexpected stops the run, the rows done so far stay reported.
        batch.report = report
        batch.rows_imported = imported
        batch.save(update_fields=["report", "rows_imported", "updated_at"])
    batch.finished_at = timezone.now()
    batch.save(update_fields=["finished_at"])
    if not dry_run:
        activity_record(
            workspace=workspace,
            actor=membership.user,
            verb="posts.imported",
            target=batch,
            data={"rows": len(parsed.rows), "imported": imported},
        )
    return batch
