"""A campaign's toolkit: the list of material, adding material, the whole-toolkit ZIP, the review
queue."""

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_http_methods
from zipstream import ZIP_STORED, ZipStream

from campaigns.access import (
    NotDownloadable,
    acting_organisation,
    check_downloadable,
    get_campaign_for_user,
    require_material_submitter,
    require_reviewer,
)
from campaigns.forms.material import (
    MaterialDetailsForm,
    MaterialUploadForm,
    ToolkitDownloadForm,
    ToolkitFilterForm,
)
from campaigns.models import CampaignVisit, Download, Material, MaterialVersion
from campaigns.models.material import upload_limit_bytes
from campaigns.services import material as material_services
from campaigns.services.material import VersionContent
from lib.addresses import client_address
from lib.files import StorageUnavailable, UniqueNames, stored_chunks
from lib.paging import filtered_page, without_position

README_NAME = "README.txt"
# A national campaign's admins may have hundreds of versions waiting: the queue is read a page at a
# time, oldest first, from where the last page ended (lib.paging).
REVIEW_PAGE_SIZE = 50
# A national campaign has thousands of pieces of material: its toolkit is read a page at a time,
# by kind then title, and a page fills two or three columns of cards.
TOOLKIT_PAGE_SIZE = 48
ORDER = ("kind_position", "title", "pk")


def _filtered(materials, filters: ToolkitFilterForm):
    if not filters.is_valid():
        return materials
    data = filters.cleaned_data
    if data["q"]:
        materials = materials.search(data["q"])
    if data["kind"]:
        materials = materials.filter(kind=data["kind"])
    if data["audience"]:
        materials = materials.filter(audience=data["audience"])
    if data["tag"]:
        materials = materials.filter(tags__name__iexact=data["tag"])
    state = data["state"]
    if state == "withdrawn":
        materials = materials.filter(withdrawn_at__isnull=False)
    elif state:
        versions = MaterialVersion.objects.filter(material=OuterRef("pk"))
        materials = materials.filter(withdrawn_at__isnull=True)
        if state == "changes_requested":
            latest = Subquery(versions.order_by("-number").values("status")[:1])
            materials = materials.annotate(latest_status=latest).filter(latest_status=state)
        else:
            materials = materials.filter(Exists(versions.filter(status=state)))
    return materials


@require_http_methods(["GET"])
def toolkit(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug)
    runs_it = campaign.is_run_by(request.user)
    now = timezone.now()
    # Bound by the filters given, not by the page's position: page 2 of everything is not a
    # filtered list.
    filters = ToolkitFilterForm(without_position(request.GET) or None)
    materials = _filtered(
        Material.objects.visible_to(request.user, now=now).filter(campaign=campaign), filters
    )
    if runs_it:
        downloads = Download.objects.filter(material=OuterRef("pk")).values("material")
        materials = materials.annotate(
            download_count=Subquery(downloads.annotate(n=Count("pk")).values("n")[:1])
        )
    searched = filters.is_valid() and bool(filters.cleaned_data["q"].strip())
    order = ("kind_position", "-search_rank", "title", "pk") if searched else ORDER
    page, _ = filtered_page(request, materials.for_toolkit(), TOOLKIT_PAGE_SIZE, order)
    visit = CampaignVisit.objects.filter(user=request.user, campaign=campaign).first()
    last_seen = visit.last_seen_at if visit else None
    for material in page:
        material.is_new = material.is_new_since(last_seen, now)
    material_services.toolkit_seen(
        request.user,
        campaign,
        visit,
        shown=page.rows,
        whole=not filters.is_bound and not page.has_other_pages,
        now=now,
    )
    kinds = dict(Material.Kind.choices)
    groups: dict[str, list] = {label: [] for label in kinds.values()}
    for material in page:
        material.show_state = (
            runs_it or material.owner_organisation_id in request.user.organisation_ids
        )
        groups[kinds[material.kind]].append(material)
    groups = {label: members for label, members in groups.items() if members}
    return render(
        request,
        "campaigns/toolkit.html",
        {
            "campaign": campaign,
            "groups": groups,
            "page": page,
            "filters": filters,
            "runs_it": runs_it,
            "now": now,
        },
    )


def _form_errors(*forms) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for form in forms:
        for field, field_errors in form.errors.items():
            errors.setdefault(field, []).extend(str(error) for error in field_errors)
    return errors


@require_http_methods(["GET", "POST"])
def material_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload new material. The page's script sends each chosen file as its own request, with a
    progress bar and a retry; without the script the form sends one file."""
    campaign = get_campaign_for_user(request.user, slug)
    owner = require_material_submitter(request.user, campaign)
    runs_it = campaign.is_run_by(request.user)
    initial = (
        {"audience": Material.Audience.ALL_PARTNERS}
        if runs_it
        else {"audience": Material.Audience.NAMED_ORGANISATIONS, "audience_organisations": [owner]}
    )
    details = MaterialDetailsForm(
        request.POST if request.method == "POST" else None, campaign=campaign, initial=initial
    )
    content = MaterialUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        details_form=details,
    )
    wants_json = request.headers.get("Accept") == "application/json"
    status = 200
    if request.method == "POST":
        if details.is_valid() and content.is_valid():
            try:
                version = material_services.submit_material(
                    campaign=campaign,
                    owner=owner,
                    actor=request.user,
                    material=details.save(commit=False),
                    tags=details.tags(),
                    audience_organisations=details.cleaned_data["audience_organisations"],
                    content=VersionContent(
                        upload=content.cleaned_data["checked_upload"],
                        text=content.cleaned_data["text"],
                        alt_text=content.cleaned_data["alt_text"].strip(),
                    ),
                    submission_key=content.cleaned_data["submission_key"],
                    address=client_address(request),
                )
            except StorageUnavailable:
                content.add_error(None, StorageUnavailable.message)
                status = 503
            else:
                url = reverse("campaigns:material-detail", args=[version.material_id])
                # The confirmation is shown on the next page, whether the form or its script
                # sent it.
                messages.success(
                    request, f"“{version.material}” has been submitted and is waiting for review."
                )
                if wants_json:
                    return JsonResponse({"ok": True, "title": version.material.title, "url": url})
                return redirect(url)
        if wants_json:
            return JsonResponse(
                {"ok": False, "errors": _form_errors(details, content)},
                status=503 if status == 503 else 400,
            )
    return render(
        request,
        "campaigns/material_form.html",
        {
            "campaign": campaign,
            "details": details,
            "content": content,
            "owner": owner,
            "limits": _limits_for_script(),
        },
        status=status,
    )


def _limits_for_script() -> dict[str, int]:
    return {kind: upload_limit_bytes(kind) for kind in Material.Kind.values}


def _downloadable(user, campaign, now) -> list[Material]:
    materials = Material.objects.visible_to(user, now=now).filter(campaign=campaign).with_versions()
    result = []
    for material in materials.order_by("kind", "title", "pk"):
        try:
            check_downloadable(material, now=now)
        except NotDownloadable:
            continue
        result.append(material)
    return result


def _readme(campaign, entries: list[tuple[str, MaterialVersion]], now) -> bytes:
    """README.txt of the toolkit ZIP: each item, its file, how to use it and its embargo."""
    lines = [
        f"{campaign.name}: toolkit",
        f"Downloaded {formats.date_format(timezone.localtime(now), 'j F Y, H:i')} (UK time).",
        "",
    ]
    for path, version in entries:
        material = version.material
        lines += [f"{material.title} ({material.get_kind_display()})", f"  File: {path}"]
        if material.embargo_until and material.is_under_embargo(now):
            lifts = formats.date_format(
                timezone.localtime(material.embargo_until), "H:i \\o\\n l j F Y"
            )
            lines.append(
                f"  EMBARGOED until {lifts} (UK time): do not publish, share or post it "
                "before then."
            )
        else:
            lines.append("  Embargo: none")
        notes = " ".join(material.usage_notes.split())
        lines.append(f"  How to use it: {notes}" if notes else "  How to use it: no notes given")
        lines.append("")
    # Windows line endings, so that every text editor shows the lines.
    return "\r\n".join(lines).encode("utf-8")


def _forgotten_if_the_store_fails(archive, downloads, request):
    """The ZIP's bytes; if the store fails part-way, the person has a broken ZIP, not the
    toolkit, so the records of its downloads are removed before the failure goes on to the log."""
    try:
        yield from archive
    except StorageUnavailable:
        material_services.forget_downloads(
            downloads, user=request.user, address=client_address(request)
        )
        raise


@require_http_methods(["GET", "POST"])
def toolkit_download(request: HttpRequest, slug: str) -> HttpResponse:
    """All the material the person may download, as one ZIP streamed in constant memory."""
    campaign = get_campaign_for_user(request.user, slug)
    now = timezone.now()
    materials = _downloadable(request.user, campaign, now)
    embargoed = [material for material in materials if material.is_under_embargo(now)]
    form = ToolkitDownloadForm(request.POST if request.method == "POST" else None)

    def form_page(*, store_unavailable: bool = False) -> HttpResponse:
        return render(
            request,
            "campaigns/toolkit_download.html",
            {
                "campaign": campaign,
                "materials": materials,
                "embargoed": embargoed,
                "form": form,
                "total_size": sum(a.current_version.size or 0 for a in materials),
                "store_unavailable": store_unavailable,
            },
            status=503 if store_unavailable else 200,
        )

    if request.method == "GET" or not form.is_valid() or not materials:
        return form_page()
    acknowledged = form.cleaned_data["acknowledge_embargo"]
    chosen = [a for a in materials if acknowledged or not a.is_under_embargo(now)]
    versions = [material.current_version for material in chosen]
    try:
        # Every file is asked for in the store before anything is recorded or a byte is sent,
        # so that a store that cannot be reached gives a page, not a broken ZIP, and no record.
        downloads = material_services.record_downloads(
            versions,
            user=request.user,
            organisation=acting_organisation(request.user, campaign),
            embargo_acknowledged=acknowledged,
            in_toolkit_zip=True,
            address=client_address(request),
            now=now,
        )
    except StorageUnavailable:
        return form_page(store_unavailable=True)
    # Stored, sized: each file is read from the store only while its part of the ZIP is sent.
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    names = UniqueNames()
    names.reserve(README_NAME)
    kinds = dict(Material.Kind.choices)
    entries = []
    for version in versions:
        name = names.name(version.download_name, folder=kinds[version.material.kind])
        entries.append((name, version))
        if version.has_file:
            archive.add(stored_chunks(version.file), name, size=version.size)
        else:
            archive.add(version.text.encode("utf-8"), name)
    archive.add(_readme(campaign, entries, now), README_NAME)
    response = StreamingHttpResponse(
        _forgotten_if_the_store_fails(archive, downloads, request), content_type="application/zip"
    )
    response["Content-Length"] = str(len(archive))
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-toolkit.zip"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_http_methods(["GET"])
def review_queue(request: HttpRequest) -> HttpResponse:
    require_reviewer(request.user)
    page, _ = filtered_page(
        request,
        MaterialVersion.objects.awaiting_review_by(request.user),
        REVIEW_PAGE_SIZE,
        ("uploaded_at", "pk"),
    )
    return render(request, "campaigns/review_queue.html", {"page": page})
