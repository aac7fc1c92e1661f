"""Bulk import of posts from a CSV file (the format is in docs/csv-import.md).

Reading the file (`read_csv`) is pure: bytes in, a ParsedFile (or a ValidationError on the file
as a whole) out. `posts_import` checks every row as the composer does
(content.services.posts.check) and saves each valid row on its own (its own transaction), as a
draft or scheduled, so one bad row never costs another. The file as decoded and the report per
row are kept on an ImportBatch: the detail page shows it and the failed rows can be downloaded,
fixed and imported again.

The report (ImportBatch.report) is a JSON list. Its first entry describes the file:
    {"row": 1, "status": "header", "dry_run": false, "encoding": "utf-8", "delimiter": ",",
     "columns": [...], "warnings": [...]}
then one entry per data row, in file order:
    {"row": 7, "status": "scheduled"|"draft"|"error", "post_id": 12|null, "errors": [...],
     "warnings": [...], "summary": "first words", "channels": "@tulip, x:@tulip",
     "publish_at": "2026-03-30T09:00:00+02:00"|null}
"row" is the row number as a spreadsheet shows it (the header's row is 1 unless blank lines come
before it). In a dry run, "status" says what the row would become and nothing is saved but the
batch itself.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channels_app.models import Channel, Platform
from content.models import Campaign, ImportBatch, Post
from content.services import planning
from content.services.approval import approval_needed
from content.services.checks import PostInput
from content.services.exports import FORMULA_STARTS
from content.services.posts import check, post_save
from smm.models import Membership, Workspace
from smm.services import activity_record
from smm.tenancy import can

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
# The columns the import reads. "id" (written by the export) and "error" (written into the
# failed-rows download) are known and skipped on purpose.
COLUMNS = ("publish_at", "channels", "text", "link", "first_comment", "title", "campaign", "status")
SKIPPED_COLUMNS = ("id", "error")
REQUIRED_COLUMNS = ("channels", "text")
# Columns people expect that we do not read, with the reason.
UNSUPPORTED_COLUMNS = {
    "media_url": "media",
    "media": "media",
    "media_urls": "media",
    "image": "media",
    "image_url": "media",
    "video_url": "media",
}
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SUMMARY_LENGTH = 80
REPORT_SAVE_EVERY = 100
# Platform names people write before a handle ("twitter:@tulip").
PLATFORM_ALIASES = {"twitter": Platform.X.value, "ig": Platform.INSTAGRAM.value}
# Statuses an export writes that the import takes as drafts (approval is not carried over).
DRAFT_STATUSES = {
    Post.Status.IN_REVIEW.value,
    Post.Status.CHANGES_REQUESTED.value,
    Post.Status.APPROVED.value,
    Post.Status.PUBLISHED.value,
    Post.Status.FAILED.value,
}

_check_url = URLValidator(schemes=["http", "https"])


# Reading the file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedRow:
    """One data row: its spreadsheet row number, the cells as written and the known values."""

    number: int
    cells: list[str]
    values: dict[str, str]
    extra_cells: int = 0  # cells beyond the header (an unquoted delimiter, usually)


@dataclass(frozen=True)
class ParsedFile:
    """A CSV file as read: the decoded text (kept on the batch), how it was read, its rows."""

    text: str
    encoding: str
    delimiter: str
    header_row: int
    header: list[str]  # the header cells as written
    columns: list[str]  # the same, normalised (None-free; "" for an empty header cell)
    rows: list[ParsedRow]
    warnings: list[str] = field(default_factory=list)


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def decode(raw: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding, warnings) for the bytes of an uploaded file.

    UTF-8 with or without a byte order mark; UTF-16 when it starts with its byte order mark (what
    Excel's "Unicode text" writes); otherwise Windows-1252, with a warning, since that is what
    older Excel versions write. Raises ValidationError for a binary file."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError:
            raise _file_error(_("The file is not valid UTF-16 text.")) from None
    if b"\x00" in raw[:8192]:
        raise _file_error(
            _(
                "This is not a CSV file (an Excel workbook?). In your spreadsheet, choose "
                "“Save as” → “CSV UTF-8” and upload that file."
            )
        )
    try:
        return raw.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        raise _file_error(
            _(
                "The file is neither UTF-8 nor Windows-1252 text. Save it as “CSV UTF-8” "
                "and upload it again."
            )
        ) from None
    return (
        text,
        "windows-1252",
        [
            _(
                "The file is not UTF-8; it was read as Windows-1252 (older Excel). Check that "
                "accented letters and emoji came through, or save it as “CSV UTF-8”."
            )
        ],
    )


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: comma, semicolon or tab, whichever it has most of
    (comma when it has none, a file of one column)."""
    for line in text.splitlines():
        if line.strip(" ,;\t"):
            counts = {d: line.count(d) for d in DELIMITERS}
            best = max(DELIMITERS, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def normalise_column(name: str) -> str:
    """ "Publish at", "publish-at" and " PUBLISH_AT " all become "publish_at"."""
    return re.sub(r"[\s\-]+", "_", name.strip().strip("\ufeff").casefold())


def undo_formula_guard(value: str) -> str:
    """The cell without the apostrophe an export puts before a value a spreadsheet would run
    as a formula ("'@tulip" -> "@tulip")."""
    if value.startswith("'") and value[1:2] and value[1] in "".join(FORMULA_STARTS):
        return value[1:]
    return value


def parse_csv(text: str, *, delimiter: str | None = None) -> tuple[int, list[str], list[ParsedRow]]:
    """(header row number, header cells, data rows) of CSV `text`; blank rows are skipped but
    counted, so row numbers match a spreadsheet's. Raises ValidationError for broken quoting or a
    file without a header."""
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    header: list[str] | None = None
    header_row = 0
    columns: list[str] = []
    rows: list[ParsedRow] = []
    try:
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header, header_row = record, number
                columns = [normalise_column(cell) for cell in record]
                continue
            cells = list(record)
            values = {}
            for i, name in enumerate(columns):
                if name in COLUMNS:
                    raw = cells[i] if i < len(cells) else ""
                    values[name] = undo_formula_guard(raw)
            extra = len(cells) - len(columns)
            rows.append(ParsedRow(number, cells, values, extra if extra > 0 else 0))
    except csv.Error as exc:
        raise _file_error(
            _("The file cannot be read as CSV near line %(line)s: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from None
    if header is None:
        raise _file_error(_("The file is empty: it needs a header row and at least one post."))
    return header_row, header, rows


def read_csv(raw: bytes) -> ParsedFile:
    """Decode, check the limits and the header, and split `raw` into rows.

    Raises ValidationError({"file": [...]}) for a file that is too big, not text, has more than
    MAX_ROWS rows, has no rows, or lacks a required column (or has one twice). Unknown columns
    are warnings: the rows import without them."""
    if len(raw) > MAX_BYTES:
        raise _file_error(
            _("The file is %(size)s MB; the limit is %(max)s MB. Split it into smaller files.")
            % {"size": f"{len(raw) / 1024 / 1024:.1f}", "max": MAX_BYTES // (1024 * 1024)}
        )
    text, encoding, warnings = decode(raw)
    return parse_text(text, encoding=encoding, warnings=warnings)


def parse_text(
    text: str,
    *,
    encoding: str = "utf-8",
    warnings: list[str] | None = None,
    delimiter: str | None = None,
) -> ParsedFile:
    """read_csv for text already decoded (a stored batch's content)."""
    warnings = list(warnings or [])
    delimiter = delimiter or sniff_delimiter(text)
    header_row, header, rows = parse_csv(text, delimiter=delimiter)
    columns = [normalise_column(cell) for cell in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise _file_error(
            _(
                "The header row (row %(row)s) has no column %(missing)s. The first row must name "
                "the columns: %(columns)s. Download the template to see the format."
            )
            % {
                "row": header_row,
                "missing": ", ".join(f"“{name}”" for name in missing),
                "columns": ", ".join(COLUMNS),
            }
        )
    twice = sorted({name for name in columns if name and columns.count(name) > 1})
    if twice:
        raise _file_error(
            _("The column %(columns)s appears more than once in the header row.")
            % {"columns": ", ".join(f"“{name}”" for name in twice)}
        )
    if not rows:
        raise _file_error(_("The file has a header row but no posts below it."))
    if len(rows) > MAX_ROWS:
        raise _file_error(
            _("The file has %(count)s rows; at most %(max)s can be imported at once. Split it.")
            % {"count": f"{len(rows):,}", "max": f"{MAX_ROWS:,}"}
        )
    for position, (name, written) in enumerate(zip(columns, header, strict=True), start=1):
        if name in COLUMNS or name in SKIPPED_COLUMNS:
            continue
        if UNSUPPORTED_COLUMNS.get(name) == "media":
            warnings.append(
                _(
                    "The column “%(column)s” is not imported: media cannot come from a CSV "
                    "file. Add images and videos to the imported posts in the composer."
                )
                % {"column": written.strip()}
            )
        elif not name:
            if any(position <= len(row.cells) and row.cells[position - 1].strip() for row in rows):
                warnings.append(
                    _("Column %(position)s has no name in the header row; it is not imported.")
                    % {"position": position}
                )
        else:
            warnings.append(
                _("The column “%(column)s” is unknown and not imported. Known columns: %(known)s.")
                % {"column": written.strip(), "known": ", ".join(COLUMNS)}
            )
    return ParsedFile(text, encoding, delimiter, header_row, header, columns, rows, warnings)


# Understanding a row ---------------------------------------------------------------------------


def normalise_handle(value: str) -> str:
    return value.strip().casefold().lstrip("@")


@dataclass
class Lookups:
    """The workspace's channels and campaigns, indexed the ways a CSV may name them."""

    tz: ZoneInfo
    by_id: dict[str, Channel]
    by_handle: dict[str, list[Channel]]
    campaigns: dict[str, Campaign]

    @classmethod
    def for_workspace(cls, workspace: Workspace) -> Lookups:
        channels = list(Channel.objects.for_workspace(workspace).order_by("pk"))
        by_handle: dict[str, list[Channel]] = {}
        for channel in channels:
            if channel.handle:
                by_handle.setdefault(normalise_handle(channel.handle), []).append(channel)
        campaigns: dict[str, Campaign] = {}
        # Names first, slugs after: a slug wins where a name and a slug collide.
        ordered = list(Campaign.objects.for_workspace(workspace).order_by("pk"))
        for campaign in ordered:
            campaigns.setdefault(campaign.name.strip().casefold(), campaign)
        for campaign in ordered:
            campaigns[campaign.slug.casefold()] = campaign
        return cls(
            tz=ZoneInfo(workspace.timezone),
            by_id={str(c.pk): c for c in channels},
            by_handle=by_handle,
            campaigns=campaigns,
        )

    def channel(self, token: str) -> tuple[Channel | None, str]:
        """The channel `token` names, or None and why not."""
        token = undo_formula_guard(token.strip())
        if token.isdigit() and token in self.by_id:
            return self.by_id[token], ""
        platform = ""
        handle = token
        if ":" in token:
            prefix, _sep, rest = token.partition(":")
            prefix = prefix.strip().casefold()
            prefix = PLATFORM_ALIASES.get(prefix, prefix)
            labels = {p.label.casefold(): p.value for p in Platform}
            if prefix in Platform.values or prefix in labels:
                platform = labels.get(prefix, prefix)
                handle = rest
        found = self.by_handle.get(normalise_handle(handle), [])
        if platform:
            found = [c for c in found if c.platform == platform]
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, _("No channel “%(channel)s” in this workspace.") % {"channel": token}
        options = ", ".join(f"{c.platform}:{c.handle}" for c in found)
        return None, _("“%(channel)s” could be several channels; write one of %(options)s.") % {
            "channel": token,
            "options": options,
        }


def parse_publish_at(value: str, tz: ZoneInfo) -> datetime:
    """An aware datetime for a publish_at cell: ISO 8601 (with or without a UTC offset) or
    "YYYY-MM-DD HH:MM"; without an offset it is wall-clock time in `tz`. Raises ValueError with
    a message for the report."""
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(
            _("publish_at “%(value)s” has no time: write e.g. %(value)s 09:00.") % {"value": value}
        )
    # "2026-03-30 9:00" (a spreadsheet dropped the leading zero): pad the hour.
    fixed = re.sub(r"^(\d{4}-\d{2}-\d{2})[ T](\d):", r"\1 0\2:", value)
    try:
        parsed = datetime.fromisoformat(fixed)
    except ValueError:
        raise ValueError(
            _(
                "publish_at “%(value)s” is not a date and time. Write it as 2026-03-30 09:00 "
                "(year-month-day hour:minute); if a spreadsheet changed it, format the column "
                "as text."
            )
            % {"value": value}
        ) from None
    if parsed.tzinfo is not None:
        return parsed
    aware = parsed.replace(tzinfo=tz)
    # A wall-clock time skipped when the clocks go forward does not exist in this zone.
    if aware.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) != parsed:
        raise ValueError(
            _("publish_at %(value)s does not exist in %(zone)s (the clocks change then).")
            % {"value": value, "zone": str(tz)}
        )
    return aware


@dataclass
class RowPlan:
    """What a row asks for, and what is wrong with it before the post itself is checked."""

    data: PostInput
    schedule: bool
    channels: list[Channel]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    channels_named: bool = False  # the channels cell named some (maybe unknown) channels


def plan_row(row: ParsedRow, lookups: Lookups, *, may_schedule: bool) -> RowPlan:
    """Read one row's cells into a PostInput; problems with the cells go to `errors`."""
    values = row.values
    errors: list[str] = []
    warnings: list[str] = []
    if row.extra_cells:
        errors.append(
            ngettext(
                "The row has %(count)s cell more than the header: put text with a delimiter in "
                "quotes.",
                "The row has %(count)s cells more than the header: put text with a delimiter in "
                "quotes.",
                row.extra_cells,
            )
            % {"count": row.extra_cells}
        )
    channels: list[Channel] = []
    cell = re.sub(r"\s*:\s*", ":", values.get("channels", ""))
    tokens = [t for t in re.split(r"[,;\s]+", cell) if t]
    for token in tokens:
        channel, problem = lookups.channel(token)
        if channel is None:
            errors.append(problem)
        elif channel not in channels:
            channels.append(channel)
    publish_at = None
    if values.get("publish_at", "").strip():
        try:
            publish_at = parse_publish_at(values["publish_at"], lookups.tz)
        except ValueError as exc:
            errors.append(str(exc))
    campaign_id = None
    campaign_name = values.get("campaign", "").strip()
    if campaign_name:
        campaign = lookups.campaigns.get(campaign_name.casefold())
        if campaign is None:
            errors.append(
                _("No campaign “%(campaign)s” in this workspace (use its slug or name).")
                % {"campaign": campaign_name}
            )
        else:
            campaign_id = campaign.pk
    link = values.get("link", "").strip()
    if link:
        try:
            _check_url(link)
        except ValidationError:
            errors.append(
                _("The link “%(link)s” is not a web address (https://…).") % {"link": link}
            )
    status = values.get("status", "").strip().casefold()
    if status == "scheduled":
        schedule = True
    elif status == "draft":
        schedule = False
    elif status in DRAFT_STATUSES:
        schedule = False
        warnings.append(
            _("Status “%(status)s” is not imported: the row becomes a new draft.")
            % {"status": status}
        )
    elif not status:
        schedule = publish_at is not None and may_schedule
        if publish_at is not None and not may_schedule:
            warnings.append(
                _("Imported as a draft: your posts need approval before they are scheduled.")
            )
    else:
        schedule = False
        errors.append(
            _("Status “%(status)s” is unknown: write draft or scheduled (or leave it empty).")
            % {"status": values["status"].strip()}
        )
    data = PostInput(
        text=values.get("text", "").strip("\r\n"),
        title=values.get("title", "").strip(),
        link=link,
        first_comment=values.get("first_comment", "").strip("\r\n"),
        channel_ids=[c.pk for c in channels],
        campaign_id=campaign_id,
        scheduled_at=publish_at,
    )
    return RowPlan(data, schedule, channels, errors, warnings, channels_named=bool(tokens))


# Importing -------------------------------------------------------------------------------------


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
        from content.tasks import import_batch_run

        transaction.on_commit(lambda: import_batch_run.delay(batch.pk))
        return batch
    return _process(batch=batch, membership=membership, parsed=parsed)


def inline_rows() -> int:
    """Files with more rows than this are imported by a worker, with a progress page."""
    from django.conf import settings

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
        .filter(pk=header.get("membership"), workspace=batch.workspace)
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
    from content.tasks import import_batch_run

    stalled = list(
        ImportBatch.objects.filter(
            finished_at__isnull=True, updated_at__lt=timezone.now() - timedelta(minutes=10)
        ).values_list("pk", flat=True)
    )
    for pk in stalled:
        ImportBatch.objects.filter(pk=pk).update(updated_at=timezone.now())
        import_batch_run.delay(pk)
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
                entry = {
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
