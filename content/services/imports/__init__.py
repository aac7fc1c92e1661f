"""Bulk import of posts from a CSV file (the format is in docs/csv-import.md).

Reading the file (`reading.read_csv`) is pure: bytes in, a ParsedFile (or a ValidationError on
the file as a whole) out. `rows.plan_row` reads one row's cells into a PostInput.
`running.posts_import` checks every row as the composer does (content.services.posts.check)
and saves each valid row on its own (its own transaction), as a draft or scheduled, so one bad
row never costs another. The file as decoded and the report per row are kept on an ImportBatch:
the detail page shows it and the failed rows can be downloaded, fixed and imported again.

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

This package re-exports the public names for callers outside it (views, API, selectors); the
modules inside import each other directly.
"""

from content.services.imports.reading import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    ParsedFile,
    ParsedRow,
    parse_csv,
    parse_text,
    read_csv,
)
from content.services.imports.rows import (
    Lookups,
    RowPlan,
    normalise_handle,
    parse_publish_at,
    plan_row,
)
from content.services.imports.running import (
    import_batch_confirm,
    import_batch_run,
    import_batches_resume_stalled,
    may_schedule_new,
    posts_import,
)

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "Lookups",
    "ParsedFile",
    "ParsedRow",
    "RowPlan",
    "import_batch_confirm",
    "import_batch_run",
    "import_batches_resume_stalled",
    "may_schedule_new",
    "normalise_handle",
    "parse_csv",
    "parse_publish_at",
    "parse_text",
    "plan_row",
    "posts_import",
    "read_csv",
]
