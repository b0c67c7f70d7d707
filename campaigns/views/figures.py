"""Help-seeker figures and their imports: the charity's campaign admins only."""

from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.access import require_figures_admin
from campaigns.forms.figures import AreaTableForm, ImportForm
from campaigns.impact.areas import area_table
from campaigns.impact.disclosure import present_area_table
from campaigns.impact.periods import Window
from campaigns.models import FigureImport
from campaigns.services import figures as imports
from lib.addresses import client_address
from lib.files import StorageUnavailable


@require_http_methods(["GET"])
def figures_home(request: HttpRequest) -> HttpResponse:
    require_figures_admin(request.user)
    table_form = AreaTableForm(request.GET if request.GET else None)
    table = rows = None
    if table_form.is_bound and table_form.is_valid():
        data = table_form.cleaned_data
        window = Window.whole_months(data["table_from"], data["table_to"])
        table = area_table(data["region"], window)
        rows = present_area_table(table, exact=True)
    return render(
        request,
        "campaigns/figures_home.html",
        {
            "imports": FigureImport.objects.visible_to(request.user).select_related("uploaded_by")[
                :50
            ],
            "table_form": table_form,
            "table": table,
            "table_rows": rows,
        },
    )


@require_http_methods(["GET", "POST"])
def figures_import(request: HttpRequest) -> HttpResponse:
    charity = require_figures_admin(request.user)
    is_post = request.method == "POST"
    form = ImportForm(request.POST if is_post else None, request.FILES if is_post else None)
    preview = None
    status = 200
    if is_post and form.is_valid():
        upload = form.cleaned_data["spreadsheet"]
        preview = imports.preview_file(upload)
        if not preview.ok:
            status = 400
        elif preview.changes_anything:
            try:
                kept = imports.keep_for_commit(
                    upload, preview, organisation=charity, actor=request.user
                )
            except StorageUnavailable:
                # The page shows what the file would change, and why it was not kept.
                form.add_error(None, StorageUnavailable.message)
                status = 503
            else:
                return redirect("campaigns:import-detail", pk=kept.pk)
    return render(
        request,
        "campaigns/figures_import.html",
        {"form": form, "preview": preview, "max_mb": imports.max_import_bytes() // (1024 * 1024)},
        status=status,
    )


def _import_for(user, pk: int) -> FigureImport:
    require_figures_admin(user)
    return get_object_or_404(
        FigureImport.objects.visible_to(user).select_related("uploaded_by"), pk=pk
    )


@require_http_methods(["GET"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    figure_import = _import_for(request.user, pk)
    preview = None
    if figure_import.status == FigureImport.Status.PREVIEWED:
        with figure_import.file.open("rb") as handle:
            preview = imports.preview_file(
                SimpleUploadedFile(figure_import.filename, handle.read())
            )
    return render(
        request,
        "campaigns/import_detail.html",
        {
            "figure_import": figure_import,
            "preview": preview,
            "changes": figure_import.changes.select_related(
                "figure__force_area", "figure__channel", "figure__region"
            )
            if figure_import.status != FigureImport.Status.PREVIEWED
            else [],
        },
    )


@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    figure_import = _import_for(request.user, pk)
    try:
        preview = imports.commit_import(
            figure_import, actor=request.user, address=client_address(request)
        )
    except imports.ImportRefused as refused:
        messages.error(request, str(refused))
        return redirect("campaigns:import-detail", pk=pk)
    if not preview.ok:
        return render(
            request,
            "campaigns/import_detail.html",
            {"figure_import": figure_import, "preview": preview, "changes": []},
            status=409,
        )
    messages.success(
        request,
        f"Saved: {figure_import.rows_added} figures added, {figure_import.rows_changed} changed, "
        f"{figure_import.rows_unchanged} already as imported.",
    )
    return redirect("campaigns:import-detail", pk=pk)


@require_http_methods(["GET", "POST"])
def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    figure_import = _import_for(request.user, pk)
    if request.method == "POST":
        try:
            imports.undo_import(figure_import, actor=request.user, address=client_address(request))
        except imports.ImportRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"The import of {figure_import.filename} has been undone.")
        return redirect("campaigns:import-detail", pk=pk)
    return render(request, "campaigns/import_undo.html", {"figure_import": figure_import})
