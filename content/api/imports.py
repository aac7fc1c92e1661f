"""REST API: CSV import of posts (upload a file, with an optional dry run, and read a batch's
report per row). The format is in docs/csv-import.md."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from content.models import ImportBatch
from content.selectors import imports as selectors
from content.services import imports as services
from smm.tenancy import WorkspaceAPIView


class ImportRowOutput(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row number as a spreadsheet shows it")
    status = serializers.ChoiceField(
        choices=["scheduled", "draft", "error"],
        help_text="What the row became (in a dry run: would become)",
    )
    post_id = serializers.IntegerField(allow_null=True, help_text="The post made from the row")
    post_url = serializers.CharField(allow_null=True)
    errors = serializers.ListField(  # type: ignore[assignment]  # DRF's metaclass takes the field
        child=serializers.CharField(), help_text="Why the row was not imported"
    )
    warnings = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField(help_text="The start of the row's text")
    channels = serializers.CharField(help_text="The channels cell as written")
    publish_at = serializers.DateTimeField(allow_null=True)


class ImportBatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.EmailField(allow_null=True)
    dry_run = serializers.BooleanField(help_text="Only checked; nothing was imported")
    encoding = serializers.CharField(help_text="utf-8, utf-16 or windows-1252")
    delimiter = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField(), help_text="The header row")
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="About the file (unknown columns, encoding)"
    )
    rows_total = serializers.IntegerField()
    rows_imported = serializers.IntegerField()
    rows_failed = serializers.IntegerField()
    failed_rows_csv_url = serializers.CharField(
        allow_null=True, help_text="The rows not imported, with an error column (a page URL)"
    )
    rows = ImportRowOutput(many=True)


class ImportBatchSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)
    dry_run = serializers.BooleanField(source="is_dry_run")
    rows_total = serializers.IntegerField()
    rows_imported = serializers.IntegerField()


class ImportInput(serializers.Serializer):
    file = serializers.FileField(help_text="The CSV file (at most 2 MB and 2,000 rows)")
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Check the rows without importing them"
    )


def _output(request: Request, batch: ImportBatch) -> dict[str, Any]:
    report = selectors.import_report(batch)
    slug = batch.workspace.slug

    def absolute(url: str) -> str:
        return request.build_absolute_uri(url)

    rows = [
        {
            "row": r.row,
            "status": r.status,
            "post_id": r.post_id if r.post_exists else None,
            "post_url": (
                absolute(reverse("content:post_detail", args=[slug, r.post_id]))
                if r.post_id and r.post_exists
                else None
            ),
            "errors": r.errors,
            "warnings": r.warnings,
            "summary": r.summary,
            "channels": r.channels,
            "publish_at": r.publish_at,
        }
        for r in report.rows
    ]
    return ImportBatchOutput(
        {
            "id": batch.pk,
            "filename": batch.filename,
            "created_at": batch.created_at,
            "created_by": batch.created_by.email if batch.created_by else None,
            "dry_run": report.dry_run,
            "encoding": report.encoding,
            "delimiter": report.delimiter,
            "columns": report.columns,
            "warnings": report.warnings,
            "rows_total": batch.rows_total,
            "rows_imported": batch.rows_imported,
            "rows_failed": report.failed,
            "failed_rows_csv_url": (
                absolute(reverse("content:import_failed_csv", args=[slug, batch.pk]))
                if report.failed
                else None
            ),
            "rows": rows,
        }
    ).data


class ImportCreateApi(WorkspaceAPIView):
    actions = {"GET": "content.import", "POST": "content.import"}
    parser_classes = (MultiPartParser, FormParser)

    @extend_schema(responses=ImportBatchSummaryOutput(many=True))
    def get(self, request: Request, slug: str) -> Response:
        """The workspace's latest imports (50), newest first, without their rows."""
        batches = selectors.import_list(workspace=self.workspace)
        return Response(ImportBatchSummaryOutput(batches, many=True).data)

    @extend_schema(
        request={"multipart/form-data": ImportInput},
        responses={201: ImportBatchOutput},
        description=(
            "Import the posts of a CSV file (multipart field `file`). Every row is checked like "
            "the composer checks a post; valid rows become drafts or scheduled posts, each on "
            "its own, and the answer is the report per row. With `dry_run` the rows are only "
            "checked. A file that cannot be read at all is a 400 with `file` errors, and nothing "
            "is stored."
        ),
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = ImportInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > services.MAX_BYTES:
            raise serializers.ValidationError(
                {
                    "file": [
                        _("The file is %(size)s MB; the limit is %(max)s MB.")
                        % {
                            "size": f"{upload.size / 1024 / 1024:.1f}",
                            "max": services.MAX_BYTES // (1024 * 1024),
                        }
                    ]
                }
            )
        batch = services.posts_import(
            workspace=self.workspace,
            membership=self.membership,
            raw=upload.read(),
            filename=upload.name or "",
            dry_run=serializer.validated_data["dry_run"],
        )
        return Response(_output(request, batch), status=status.HTTP_201_CREATED)


class ImportDetailApi(WorkspaceAPIView):
    actions = {"GET": "content.import"}

    @extend_schema(responses=ImportBatchOutput)
    def get(self, request: Request, slug: str, batch_id: int) -> Response:
        """One import with its report per row."""
        batch = selectors.import_get(workspace=self.workspace, batch_id=batch_id)
        return Response(_output(request, batch))


urlpatterns: list[URLPattern] = [
    path("workspaces/<slug:slug>/imports/", ImportCreateApi.as_view(), name="import_create"),
    path(
        "workspaces/<slug:slug>/imports/<int:batch_id>/",
        ImportDetailApi.as_view(),
        name="import_detail",
    ),
]
