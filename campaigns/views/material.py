"""One piece of material: its page, edits, new versions, review decisions, withdrawal, downloads."""

from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.access import (
    NotDownloadable,
    can_regenerate,
    check_scanned,
    get_material_for_user,
    get_material_or_reason,
    get_preview_for_user,
    get_version_for_user,
    material_rights,
)
from campaigns.forms.material import (
    DecisionForm,
    EmbargoAcknowledgementForm,
    MaterialDetailsForm,
    NewVersionForm,
    WithdrawForm,
)
from campaigns.models import (
    Download,
    LocalisedMaterial,
    Material,
    MaterialVersion,
    WorkflowError,
)
from campaigns.models.material import upload_limit_bytes
from campaigns.services import localising
from campaigns.services import material as material_services
from campaigns.services.material import StaleEdit, VersionContent
from lib.addresses import client_address
from lib.files import (
    NGINX_NOT_SENT_HEADER,
    StorageUnavailable,
    allow_private_caching,
    protected_file_response,
    stored_file_response,
)

# How long a browser may keep a shared preview under its fingerprinted address.
PREVIEW_MAX_AGE_SECONDS = 24 * 3600


def _detail_url(material: Material) -> str:
    return reverse("campaigns:material-detail", args=[material.pk])


@require_http_methods(["GET"])
def material_detail(request: HttpRequest, pk: int) -> HttpResponse:
    now = timezone.now()
    material, reason = get_material_or_reason(request.user, pk, now=now)
    rights = material_rights(request.user, material)
    if reason is not None and not rights.see_versions:
        # Partners who cannot use it now are told why, and shown nothing of it but its title.
        return _unavailable(request, material, reason)
    downloads_by_organisation = []
    if rights.review:
        downloads_by_organisation = (
            Download.objects.filter(material=material)
            .values("organisation__name")
            .annotate(
                count=Count("pk"), people=Count("user", distinct=True), last=Max("downloaded_at")
            )
            .order_by("organisation__name")
        )
    localised = None
    if getattr(material, "localised", None) is not None:  # it came with the material
        localised = LocalisedMaterial.objects.select_related(
            "template__material__campaign", "organisation__force_area__region"
        ).get(pk=material.localised.pk)
    generations = {}
    changes = None
    if localised is not None and rights.see_versions:
        versions = {version.pk: version for version in material.versions_newest_first}
        # Unordered: the generations' own ordering joins half the schema. Each generation made
        # a version of this material, which came with it.
        for generated in localised.generations.select_related("template_version").order_by():
            if generated.version_id in versions:
                generated.version = versions[generated.version_id]
            generations[generated.version_id] = generated
        newest = max(generations.values(), key=lambda g: g.version.number, default=None)
        changes = localising.changes_since(localised, newest)
    latest = material.latest_version
    return render(
        request,
        "campaigns/material_detail.html",
        {
            "localised": localised,
            "made_from": generations.get(latest.pk) if latest else None,
            "pdf_versions": set(
                generated.version_id for generated in generations.values() if generated.pdf
            ),
            "changes": changes,
            "template": getattr(material, "template", None),
            "can_regenerate": localised is not None and can_regenerate(request.user, localised),
            "material": material,
            "campaign": material.campaign,
            "now": now,
            "rights": rights,
            "downloads_by_organisation": downloads_by_organisation,
            "decision_form": DecisionForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def material_edit(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_material_for_user(request.user, pk, action="edit")
    form = MaterialDetailsForm(
        request.POST if request.method == "POST" else None,
        instance=material,
        campaign=material.campaign,
    )
    seen_revision = request.POST.get("revision", material.revision)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            material_services.update_details(
                form.save(commit=False),
                actor=request.user,
                seen_revision=int(seen_revision),
                changed=form.changed_data,
                tags=form.tags(),
                audience_organisations=form.cleaned_data["audience_organisations"],
                address=client_address(request),
            )
        except (StaleEdit, ValueError) as stale:
            form.add_error(None, str(stale) if isinstance(stale, StaleEdit) else "Reload the page.")
            status = 409
        else:
            messages.success(request, "The details have been saved.")
            return redirect(_detail_url(material))
    return render(
        request,
        "campaigns/material_edit.html",
        {"material": material, "form": form, "revision": seen_revision},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def version_add(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_material_for_user(request.user, pk, action="submit_version")
    form = NewVersionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        kind=material.kind,
        template_kind=getattr(getattr(material, "template", None), "kind", ""),
    )
    wants_json = request.headers.get("Accept") == "application/json"
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            version = material_services.submit_version(
                material,
                actor=request.user,
                content=VersionContent(
                    upload=form.cleaned_data["checked_upload"],
                    text=form.cleaned_data["text"],
                    alt_text=form.cleaned_data["alt_text"].strip(),
                    change_note=form.cleaned_data["change_note"].strip(),
                ),
                submission_key=form.cleaned_data["submission_key"],
                address=client_address(request),
            )
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        except StorageUnavailable:
            form.add_error(None, StorageUnavailable.message)
            status = 503
        else:
            # The confirmation is shown on the next page, whether the form or its script sent it.
            messages.success(
                request,
                f"Thank you: version {version.number} of “{material}” has been submitted and is "
                "waiting for review by the charity's campaign team.",
            )
            if wants_json:
                return JsonResponse(
                    {"ok": True, "title": material.title, "url": _detail_url(material)}
                )
            return redirect(_detail_url(material))
    if request.method == "POST" and wants_json:
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        return JsonResponse({"ok": False, "errors": errors}, status=503 if status == 503 else 400)
    latest = material.latest_version
    if not form.is_bound and latest is not None:
        form.initial.update({"text": latest.text, "alt_text": latest.alt_text})
    return render(
        request,
        "campaigns/version_form.html",
        {"material": material, "form": form, "limit": upload_limit_bytes(material.kind)},
        status=status,
    )


def _version_for_review(request: HttpRequest, pk: int, number: int) -> MaterialVersion:
    material = get_material_for_user(request.user, pk, action="review")
    version = next((v for v in material.versions_newest_first if v.number == number), None)
    if version is None:
        raise Http404("No such version.")
    version.material = material
    return version


def _decide(
    request: HttpRequest, pk: int, number: int, decide: Callable[..., None], done: str
) -> HttpResponse:
    """Carry out a reviewer's decision on a version, with the comment given with it."""
    version = _version_for_review(request, pk, number)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        decide(
            version,
            actor=request.user,
            comment=form.cleaned_data.get("comment", ""),
            address=client_address(request),
        )
    except WorkflowError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)
    return redirect(_detail_url(version.material))


@require_POST
def version_approve(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    return _decide(request, pk, number, material_services.approve, f"Version {number} is approved.")


@require_POST
def version_request_changes(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        number,
        material_services.request_changes,
        f"Changes to version {number} have been requested.",
    )


@require_http_methods(["GET", "POST"])
def material_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_material_for_user(request.user, pk, action="withdraw")
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            told = material_services.withdraw(
                material,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                address=client_address(request),
            )
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            who = "person who" if told == 1 else "people who"
            messages.success(
                request,
                f"“{material}” has been withdrawn. {told} {who} downloaded it will be told.",
            )
            return redirect(_detail_url(material))
    return render(request, "campaigns/material_withdraw.html", {"material": material, "form": form})


def _unavailable(request: HttpRequest, material: Material, reason: NotDownloadable) -> HttpResponse:
    return render(
        request,
        "campaigns/material_unavailable.html",
        {
            "material": material,
            "reason": reason.reason,
            "sees_it": material_rights(request.user, material).see_versions,
        },
        status=reason.status,
    )


def _store_unavailable(request: HttpRequest, material: Material) -> HttpResponse:
    return render(
        request,
        "campaigns/material_unavailable.html",
        {
            "material": material,
            "reason": "The file store cannot be reached just now, so nothing was downloaded. "
            "Try again in a few minutes.",
        },
        status=503,
    )


def send_recorded(
    request: HttpRequest,
    material: Material,
    record: Callable[[], list[Download]],
    field_file,
    *,
    filename: str,
    content_type: str,
) -> HttpResponse:
    """Record the download and answer with the file, or with neither.

    `record` (material_services.record_version_download) asks the store for the file before it
    records anything, and the record commits only once the answer is made, so a store that
    cannot be reached gives a clear page and no record of a download that did not happen. If the
    store fails after that, as nginx fetches the file, nginx turns to download_not_sent with the
    note made here, which removes the record.
    """
    try:
        with transaction.atomic():
            downloads = record()
            return stored_file_response(
                field_file,
                filename=filename,
                content_type=content_type,
                checked=True,
                if_not_sent=material_services.not_sent_note(downloads),
            )
    except StorageUnavailable:
        return _store_unavailable(request, material)


def _send_version(request: HttpRequest, version: MaterialVersion, record) -> HttpResponse:
    if not version.has_file:
        record()
        return protected_file_response(
            material_services.text_as_file(version),
            filename=version.download_name,
            content_type="text/plain; charset=utf-8",
        )
    return send_recorded(
        request,
        version.material,
        record,
        version.file,
        filename=version.download_name,
        content_type=version.content_type,
    )


@require_http_methods(["GET", "POST"])
def material_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The stable link: always the current approved version, if the person may download it."""
    now = timezone.now()
    material, reason = get_material_or_reason(request.user, pk, action="download", now=now)
    if reason is not None:
        return _unavailable(request, material, reason)
    acknowledged = False
    if material.is_under_embargo(now):
        form = EmbargoAcknowledgementForm(request.POST if request.method == "POST" else None)
        if request.method == "GET" or not form.is_valid():
            return render(
                request, "campaigns/embargo_acknowledge.html", {"material": material, "form": form}
            )
        acknowledged = True
    version = material.current_version
    return _send_version(
        request,
        version,
        lambda: material_services.record_version_download(
            version,
            user=request.user,
            address=client_address(request),
            embargo_acknowledged=acknowledged,
            now=now,
        ),
    )


@require_http_methods(["GET"])
def version_download(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Any version, for the campaign's admins and the owning organisation (to review, compare)."""
    version = get_version_for_user(request.user, pk, number)
    try:
        check_scanned(version)
    except NotDownloadable as reason:
        return _unavailable(request, version.material, reason)
    return _send_version(
        request,
        version,
        lambda: material_services.record_version_download(
            version, user=request.user, address=client_address(request)
        ),
    )


@require_http_methods(["GET"])
def version_preview(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """A version's thumbnail. Asked for by its fingerprinted address (MaterialVersion.preview_url)
    and shared with the campaign's partners, the browser may keep it for a day (the address
    changes if the preview does; signing out clears the browser's cache); anything else, such as
    a version under review or embargoed material, is never stored."""
    version = get_preview_for_user(request.user, pk, number)
    if not version.preview:
        raise Http404("This version has no preview.")
    try:
        response = stored_file_response(
            version.preview,
            filename=f"preview-{version.number}.png",
            content_type="image/png",
            inline=True,
        )
    except StorageUnavailable:
        return _store_unavailable(request, version.material)
    if version.preview_is_shared and request.GET.get("v") == version.preview_fingerprint:
        allow_private_caching(response, max_age=PREVIEW_MAX_AGE_SECONDS)
    return response


@require_http_methods(["GET"])
def download_not_sent(request: HttpRequest) -> HttpResponse:
    """Where nginx turns when the file store fails as it fetches a file the portal has checked
    and handed to it (deploy/nginx.conf): the record of a download that did not happen is removed
    (for material), and the person sees the portal's page rather than nginx's."""
    material_services.forget_downloads_not_sent(
        request.headers.get(NGINX_NOT_SENT_HEADER, ""),
        user=request.user,
        address=client_address(request),
    )
    return render(request, "campaigns/download_not_sent.html", status=503)


@require_POST
def notice_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(
        request.user.withdrawal_notices.filter(dismissed_at__isnull=True), pk=pk
    )
    notice.dismissed_at = timezone.now()
    notice.save(update_fields=["dismissed_at"])
    return redirect("home")
