"""Reading a CSV file of posts (the format is in docs/csv-import.md): pure, bytes in, a
ParsedFile (or a ValidationError on the file as a whole) out."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from content.services.exports import FORMULA_STARTS

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
