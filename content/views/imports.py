"""Pages: the CSV import of posts (upload with instructions and earlier batches, a batch's
report per row, the failed rows and a template to download, importing a dry-run's file)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from content.models import ImportBatch
from content.selectors import imports as selectors
from content.services import imports as services
from smm.forms import form_add_service_errors
from smm.models import Membership, Workspace
from smm.tenancy import workspace_view


class ImportForm(forms.Form):
    """The upload; the service reads and checks the file itself."""

    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("Up to 2,000 rows and 2 MB; UTF-8 (or Windows-1252)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check the rows without importing them"),
        required=False,
    )


def _import_page(
    request: HttpRequest, workspace: Workspace, form: ImportForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "content/import.html",
        {
            "workspace": workspace,
            "form": form,
            "batches": selectors.import_list(workspace=workspace),
            "columns": services.COLUMNS,
            "max_rows": services.MAX_ROWS,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@workspace_view("content.import")
def import_page(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The upload form with the format, the template download and the earlier batches; POST
    imports (or dry-runs) the file and shows its report."""
    workspace = membership.workspace
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _import_page(request, workspace, form)
    if not form.is_valid():
        return _import_page(request, workspace, form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > services.MAX_BYTES:  # before reading it into memory
        form.add_error(
            "file",
            _("The file is %(size)s MB; the limit is %(max)s MB. Split it into smaller files.")
            % {
                "size": f"{upload.size / 1024 / 1024:.1f}",
                "max": services.MAX_BYTES // (1024 * 1024),
            },
        )
        return _import_page(request, workspace, form, status=400)
    try:
        batch = services.posts_import(
            workspace=workspace,
            membership=membership,
            raw=upload.read(),
            filename=upload.name or "",
            dry_run=form.cleaned_data["dry_run"],
        )
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        return _import_page(request, workspace, form, status=400)
    _say_done(request, batch)
    return redirect("content:import_detail", slug=workspace.slug, batch_id=batch.pk)


def _say_done(request: HttpRequest, batch: ImportBatch) -> None:
    report = selectors.import_report(batch)
    if report.running:
        messages.info(
            request,
            _("The file has %(total)s rows: it is imported in the background.")
            % {"total": batch.rows_total},
        )
        return
    if report.dry_run:
        messages.info(
            request,
            _(
                "Dry run: %(ok)s of %(total)s rows can be imported, %(failed)s have errors. "
                "Nothing was imported yet."
            )
            % {
                "ok": len(report.rows) - report.failed,
                "total": len(report.rows),
                "failed": report.failed,
            },
        )
    elif report.failed:
        messages.warning(
            request,
            _(
                "Imported %(imported)s of %(total)s rows; %(failed)s were not imported. Download "
                "them, fix them and import that file."
            )
            % {
                "imported": report.batch.rows_imported,
                "total": len(report.rows),
                "failed": report.failed,
            },
        )
    else:
        messages.success(
            request,
            _("Imported all %(total)s rows.") % {"total": report.batch.rows_imported},
        )


@login_required
@require_GET
@workspace_view("content.import")
def import_detail(request: HttpRequest, membership: Membership, batch_id: int) -> HttpResponse:
    """The report per row: imported as scheduled or draft (with a link to the post), or why
    not."""
    workspace = membership.workspace
    batch = selectors.import_get(workspace=workspace, batch_id=batch_id)
    return render(
        request,
        "content/import_detail.html",
        {"workspace": workspace, "report": selectors.import_report(batch)},
    )


@login_required
@require_POST
@workspace_view("content.import")
def import_confirm(request: HttpRequest, membership: Membership, batch_id: int) -> HttpResponse:
    """Import the file of a dry run for real (its rows are checked again)."""
    workspace = membership.workspace
    batch = selectors.import_get(workspace=workspace, batch_id=batch_id)
    try:
        new = services.import_batch_confirm(batch=batch, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("content:import_detail", slug=workspace.slug, batch_id=batch.pk)
    _say_done(request, new)
    return redirect("content:import_detail", slug=workspace.slug, batch_id=new.pk)


def _csv_response(content: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
@workspace_view("content.import")
def import_failed_csv(request: HttpRequest, membership: Membership, batch_id: int) -> HttpResponse:
    """The rows of the batch that were not imported, with an "error" column, to fix and import
    again. 404 when every row was imported."""
    workspace = membership.workspace
    batch = selectors.import_get(workspace=workspace, batch_id=batch_id)
    content = selectors.failed_rows_csv(batch=batch)
    if not content:
        raise Http404(_("Every row of this file was imported."))
    stem = batch.filename.rsplit(".", 1)[0] or "import"
    name = get_valid_filename(f"{stem}-not-imported.csv") or "not-imported.csv"
    return _csv_response(content, name)


@login_required
@require_GET
@workspace_view("content.import")
def import_template(request: HttpRequest, membership: Membership) -> HttpResponse:
    """A CSV file to fill in, with example rows that use the workspace's channels."""
    workspace = membership.workspace
    content = selectors.template_csv(workspace=workspace)
    return _csv_response(content, get_valid_filename(f"{workspace.slug}-posts-template.csv"))


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/import/", import_page, name="import"),
    path("w/<slug:slug>/import/template.csv", import_template, name="import_template"),
    path("w/<slug:slug>/import/<int:batch_id>/", import_detail, name="import_detail"),
    path("w/<slug:slug>/import/<int:batch_id>/confirm/", import_confirm, name="import_confirm"),
    path(
        "w/<slug:slug>/import/<int:batch_id>/not-imported.csv",
        import_failed_csv,
        name="import_failed_csv",
    ),
]
