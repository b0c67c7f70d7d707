"""Big exports written by the task worker: a page showing progress, then the file."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from campaigns.access import get_export_for_user
from campaigns.models import Export
from lib.files import StorageUnavailable, stored_file_response

CONTENT_TYPES = {
    Export.Format.CSV: "text/csv; charset=utf-8",
    Export.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_http_methods(["GET"])
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_export_for_user(request.user, pk)
    return render(request, "campaigns/export_detail.html", {"export": export})


@require_http_methods(["GET"])
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_export_for_user(request.user, pk)
    if export.status != Export.Status.READY:
        raise Http404("This export is not ready yet.")
    try:
        return stored_file_response(
            export.file, filename=export.filename, content_type=CONTENT_TYPES[export.format]
        )
    except StorageUnavailable:
        return render(
            request,
            "campaigns/export_detail.html",
            {"export": export, "storage_unavailable": True},
            status=503,
        )
