"""A campaign's toolkit: the list of material, adding material, the whole-toolkit ZIP, the review
queue."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from zipstream import ZIP_STORED, ZipStream

from campaigns.access import (
    NotDownloadable,
    acting_organisation,
    check_downloadable,
    get_campaign_for_user,
    require_material_submitter,
)
from campaigns.forms.material import (
    AssetDetailsForm,
    MaterialUploadForm,
    ToolkitDownloadForm,
    ToolkitFilterForm,
)
from campaigns.models import Asset, AssetVersion, CampaignVisit, Download
from campaigns.models.assets import upload_limit_bytes
from campaigns.services import material
from campaigns.services.material import VersionContent


def _filtered(assets, filters: ToolkitFilterForm):
    if not filters.is_valid():
        return assets
    data = filters.cleaned_data
    if data["q"]:
        assets = assets.filter(Q(title__icontains=data["q"]) | Q(description__icontains=data["q"]))
    if data["kind"]:
        assets = assets.filter(kind=data["kind"])
    if data["audience"]:
        assets = assets.filter(audience=data["audience"])
    if data["tag"]:
        assets = assets.filter(tags__name__iexact=data["tag"])
    state = data["state"]
    if state == "withdrawn":
        assets = assets.filter(withdrawn_at__isnull=False)
    elif state:
        versions = AssetVersion.objects.filter(asset=OuterRef("pk"))
        assets = assets.filter(withdrawn_at__isnull=True)
        if state == "changes_requested":
            latest = Subquery(versions.order_by("-number").values("status")[:1])
            assets = assets.annotate(latest_status=latest).filter(latest_status=state)
        else:
            assets = assets.filter(Exists(versions.filter(status=state)))
    return assets


@require_http_methods(["GET"])
def toolkit(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug)
    runs_it = campaign.is_run_by(request.user)
    now = timezone.now()
    filters = ToolkitFilterForm(request.GET or None)
    assets = _filtered(
        Asset.objects.visible_to(request.user, now=now).filter(campaign=campaign), filters
    )
    if runs_it:
        downloads = Download.objects.filter(asset=OuterRef("pk")).values("asset")
        assets = assets.annotate(
            download_count=Subquery(downloads.annotate(n=Count("pk")).values("n")[:1])
        )
    assets = list(assets.with_versions().order_by("kind", "title", "pk"))

    visit = CampaignVisit.objects.filter(user=request.user, campaign=campaign).first()
    last_seen = visit.last_seen_at if visit else None
    for asset in assets:
        asset.is_new = _is_new(asset, last_seen, now)
    if visit is None:
        CampaignVisit.objects.create(user=request.user, campaign=campaign, last_seen_at=now)
    else:
        visit.last_seen_at = now
        visit.save(update_fields=["last_seen_at"])
    kinds = dict(Asset.Kind.choices)
    groups: dict[str, list] = {label: [] for label in kinds.values()}
    for asset in assets:
        asset.show_state = runs_it or asset.owner_organisation_id in request.user.organisation_ids
        groups[kinds[asset.kind]].append(asset)
    groups = {label: members for label, members in groups.items() if members}
    return render(
        request,
        "campaigns/toolkit.html",
        {
            "campaign": campaign,
            "groups": groups,
            "count": len(assets),
            "filters": filters,
            "runs_it": runs_it,
            "now": now,
            "first_visit": last_seen is None,
        },
    )


def _is_new(asset: Asset, last_seen, now) -> bool:
    """New to this person since their last visit: approved or released after it."""
    current = asset.current_version
    if last_seen is None or current is None or asset.is_withdrawn:
        return False
    released_since = asset.release_at is not None and last_seen < asset.release_at <= now
    return released_since or (current.decided_at is not None and current.decided_at > last_seen)


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
        {"audience": Asset.Audience.ALL_PARTNERS}
        if runs_it
        else {"audience": Asset.Audience.NAMED_ORGANISATIONS, "audience_organisations": [owner]}
    )
    details = AssetDetailsForm(
        request.POST if request.method == "POST" else None, campaign=campaign, initial=initial
    )
    content = MaterialUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        details_form=details,
    )
    wants_json = request.headers.get("Accept") == "application/json"
    if request.method == "POST":
        if details.is_valid() and content.is_valid():
            version = material.submit_material(
                campaign=campaign,
                owner=owner,
                actor=request.user,
                asset=details.save(commit=False),
                tags=details.tags(),
                audience_organisations=details.cleaned_data["audience_organisations"],
                content=VersionContent(
                    upload=content.cleaned_data["checked_upload"],
                    text=content.cleaned_data["text"],
                    alt_text=content.cleaned_data["alt_text"].strip(),
                ),
                submission_key=content.cleaned_data["submission_key"],
                request=request,
            )
            url = reverse("campaigns:asset-detail", args=[version.asset_id])
            if wants_json:
                return JsonResponse({"ok": True, "title": version.asset.title, "url": url})
            messages.success(
                request, f"“{version.asset}” has been submitted and is waiting for review."
            )
            return redirect(url)
        if wants_json:
            return JsonResponse({"ok": False, "errors": _form_errors(details, content)}, status=400)
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
    )


def _limits_for_script() -> dict[str, int]:
    return {kind: upload_limit_bytes(kind) for kind in Asset.Kind.values}


def _downloadable(user, campaign, now) -> list[Asset]:
    assets = Asset.objects.visible_to(user, now=now).filter(campaign=campaign).with_versions()
    result = []
    for asset in assets.order_by("kind", "title", "pk"):
        try:
            check_downloadable(asset, now=now)
        except NotDownloadable:
            continue
        result.append(asset)
    return result


def _unique_name(used: set[str], folder: str, filename: str) -> str:
    stem, dot, suffix = filename.rpartition(".")
    if not dot:
        stem, suffix = filename, ""
    name, number = f"{folder}/{filename}", 2
    while name.lower() in used:
        name = f"{folder}/{stem} ({number}){'.' + suffix if suffix else ''}"
        number += 1
    used.add(name.lower())
    return name


def _file_chunks(field_file, chunk_size: int = 1024 * 1024):
    """Read a stored file lazily, so that only one file of the ZIP is open at a time."""
    with field_file.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            yield chunk


@require_http_methods(["GET", "POST"])
def toolkit_download(request: HttpRequest, slug: str) -> HttpResponse:
    """All the material the person may download, as one ZIP streamed in constant memory."""
    campaign = get_campaign_for_user(request.user, slug)
    now = timezone.now()
    assets = _downloadable(request.user, campaign, now)
    embargoed = [asset for asset in assets if asset.is_under_embargo(now)]
    form = ToolkitDownloadForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid() or not assets:
        return render(
            request,
            "campaigns/toolkit_download.html",
            {
                "campaign": campaign,
                "assets": assets,
                "embargoed": embargoed,
                "form": form,
                "total_size": sum(a.current_version.size or 0 for a in assets),
            },
        )
    acknowledged = form.cleaned_data["acknowledge_embargo"]
    chosen = [a for a in assets if acknowledged or not a.is_under_embargo(now)]
    versions = [asset.current_version for asset in chosen]
    material.record_downloads(
        versions,
        user=request.user,
        organisation=acting_organisation(request.user, campaign),
        embargo_acknowledged=acknowledged,
        in_toolkit_zip=True,
        request=request,
        now=now,
    )
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    used: set[str] = set()
    kinds = dict(Asset.Kind.choices)
    for version in versions:
        name = _unique_name(used, kinds[version.asset.kind], version.download_name)
        if version.has_file:
            archive.add(_file_chunks(version.file), name, size=version.size)
        else:
            archive.add(version.text.encode("utf-8"), name)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Length"] = str(len(archive))
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-toolkit.zip"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_http_methods(["GET"])
def review_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.is_campaign_admin:
        raise PermissionDenied("Only the charity's campaign admins review material.")
    versions = list(AssetVersion.objects.awaiting_review_by(request.user))
    return render(request, "campaigns/review_queue.html", {"versions": versions})
