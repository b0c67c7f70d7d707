"""Partner activity: logging, editing with history, comments, lists, exports, and readiness."""

from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from agencies.models import Organisation
from audit.models import AuditEntry
from audit.services import record
from campaigns.access import (
    get_activity_for_user,
    get_campaign_for_user,
    require_material_submitter,
    require_police_force,
)
from campaigns.exports import (
    EXPORT_HEADER,
    count_activity,
    export_rows,
    filter_activity,
    start_export,
)
from campaigns.forms.activity import (
    FIELDS_FOR_TYPE,
    ActivityFilterForm,
    ActivityForm,
    CommentForm,
    EnforcementFiguresForm,
)
from campaigns.models import Activity, Campaign, Export
from campaigns.readiness import readiness_for
from campaigns.services import activity as services
from lib.addresses import client_address
from lib.files import StorageUnavailable, stored_file_response
from lib.held_uploads import HeldUploads
from lib.paging import filtered_page
from lib.scanning import scanning_on
from lib.spreadsheets import add_sheet, csv_response, new_workbook, xlsx_response

PAGE_SIZE = 50


def filtered_activity(request: HttpRequest) -> tuple[ActivityFilterForm, QuerySet[Activity] | None]:
    return filter_activity(request.user, request.GET)


@require_http_methods(["GET"])
def activity_list(request: HttpRequest) -> HttpResponse:
    form, activities = filtered_activity(request)
    count = None
    if activities is not None:
        count = count_activity(request.user, form, activities)
        activities = activities.for_list()
    page, query = filtered_page(request, activities, PAGE_SIZE, ("-started_on", "-pk"), count)
    return render(
        request, "campaigns/activity_list.html", {"filters": form, "page": page, "query": query}
    )


@require_http_methods(["GET"])
def activity_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Small exports are answered at once; big ones are written by the task worker while the
    person watches its progress, and fetched from a link only they can open."""
    if fmt not in Export.Format.values:
        raise Http404("No such format.")
    form, activities = filtered_activity(request)
    if activities is None:
        return HttpResponseBadRequest("The filters are not valid: " + form.errors.as_text())
    record(
        AuditEntry.Action.ACTIVITY_EXPORTED,
        actor=request.user,
        address=client_address(request),
        data={"format": fmt, "filters": {k: v for k, v in request.GET.items()}},
    )
    if count_activity(request.user, form, activities) > settings.EXPORT_IN_BACKGROUND_ROWS:
        export = start_export(
            requested_by=request.user,
            kind=Export.Kind.ACTIVITY,
            fmt=fmt,
            filters={k: v for k, v in request.GET.items()},
        )
        return redirect("campaigns:export-detail", pk=export.pk)
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    if fmt == "csv":
        return csv_response(EXPORT_HEADER, export_rows(activities), f"activity-{stamp}.csv")
    workbook = new_workbook()
    add_sheet(workbook, "Activity", EXPORT_HEADER, export_rows(activities))
    return xlsx_response(workbook, f"activity-{stamp}.xlsx")


def _form_context(
    form: ActivityForm, campaign: Campaign, organisation: Organisation, held: HeldUploads
) -> dict:
    """What the form page shows. After an error, an evidence file that passed its checks is held
    for the next submission, so that the person need not choose it again."""
    token = form.data.get("evidence_token", "") if form.is_bound else ""
    evidence = form.cleaned_data.get("evidence_file") if hasattr(form, "cleaned_data") else None
    if evidence is not None and evidence is not form.held_evidence:
        held.release(token)
        token = held.hold(evidence) or ""
    elif evidence is None:
        token = ""
    return {
        "form": form,
        "campaign": campaign,
        "organisation": organisation,
        "type_specific": set(FIELDS_FOR_TYPE),
        "held_token": token,
        "held_name": evidence.filename if evidence is not None and token else "",
    }


def _activity_form(request: HttpRequest, **kwargs) -> tuple[ActivityForm, HeldUploads, str]:
    """The activity form, bound on a POST, with the evidence held from an earlier attempt."""
    held = HeldUploads(request.session)
    is_post = request.method == "POST"
    token = request.POST.get("evidence_token", "") if is_post else ""
    form = ActivityForm(
        request.POST if is_post else None,
        request.FILES if is_post else None,
        held_evidence=held.get(token) if token else None,
        **kwargs,
    )
    return form, held, token


@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug)
    organisation = require_material_submitter(request.user, campaign)
    is_post = request.method == "POST"
    form, held, token = _activity_form(request, campaign=campaign, organisation=organisation)
    if not is_post and request.GET.get("material"):
        chosen = form.fields["materials"].queryset.filter(pk=request.GET["material"]).first()
        if chosen is not None:
            form.initial["materials"] = [chosen.pk]
            form.initial["activity_type"] = _type_for(chosen.kind)
    status = 200
    if is_post and form.is_valid():
        try:
            activity = services.log_activity(
                form.save(commit=False),
                actor=request.user,
                materials=form.cleaned_data["materials"],
                evidence=form.cleaned_data["evidence_file"],
                submission_key=form.cleaned_data["submission_key"],
                address=client_address(request),
            )
        except StorageUnavailable:
            form.add_error(None, StorageUnavailable.message)
            status = 503
        else:
            held.release(token)
            messages.success(request, "Your activity has been logged. Thank you.")
            return redirect("campaigns:activity-detail", pk=activity.pk)
    return render(
        request,
        "campaigns/activity_form.html",
        _form_context(form, campaign, organisation, held),
        status=status,
    )


def _type_for(material_kind: str) -> str:
    """The usual way material of a kind is used, to save a choice in the form."""
    return {
        "poster": Activity.Type.POSTERS,
        "social_card": Activity.Type.SOCIAL_POST,
        "suggested_post": Activity.Type.SOCIAL_POST,
        "press_release": Activity.Type.PRESS_RELEASE,
        "film": Activity.Type.SOCIAL_POST,
    }.get(material_kind, Activity.Type.OTHER)


@require_http_methods(["GET"])
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, pk)
    return render(
        request,
        "campaigns/activity_detail.html",
        {
            "activity": activity,
            "revisions": activity.revisions.select_related("edited_by"),
            "comments": activity.comments.select_related("author"),
            "comment_form": CommentForm(),
            "can_edit": activity.organisation_id in request.user.organisation_ids,
        },
    )


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, pk, action="edit")
    is_post = request.method == "POST"
    form, held, token = _activity_form(
        request,
        instance=activity,
        campaign=activity.campaign,
        organisation=activity.organisation,
    )
    revision = request.POST.get("revision", activity.revision) if is_post else activity.revision
    status = 200
    if is_post and form.is_valid() and not form.has_changed():
        # Saving the form as it was is not a change: no new version in the record's history.
        messages.info(request, "Nothing had changed, so nothing was saved.")
        return redirect("campaigns:activity-detail", pk=activity.pk)
    if is_post and form.is_valid():
        try:
            services.update_activity(
                form.save(commit=False),
                actor=request.user,
                seen_revision=int(revision),
                changed=form.changed_data,
                materials=form.cleaned_data["materials"],
                evidence=form.cleaned_data["evidence_file"],
                address=client_address(request),
            )
        except (services.StaleActivity, ValueError) as stale:
            form.add_error(
                None,
                str(stale) if isinstance(stale, services.StaleActivity) else "Reload the page.",
            )
            status = 409
        except StorageUnavailable:
            form.add_error(None, StorageUnavailable.message)
            status = 503
        else:
            held.release(token)
            messages.success(request, "Your changes have been saved.")
            return redirect("campaigns:activity-detail", pk=activity.pk)
    context = _form_context(form, activity.campaign, activity.organisation, held)
    context.update({"activity": activity, "revision": revision})
    return render(request, "campaigns/activity_form.html", context, status=status)


@require_POST
def activity_comment(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, pk, action="comment")
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_on_activity(
            activity,
            actor=request.user,
            body=form.cleaned_data["body"],
            address=client_address(request),
        )
        messages.success(request, "Your comment has been added.")
    else:
        messages.error(request, "Write a comment before adding it.")
    return redirect("campaigns:activity-detail", pk=activity.pk)


@require_http_methods(["GET"])
def activity_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, pk)
    if not activity.evidence:
        raise Http404("No evidence was attached.")
    if scanning_on() and not activity.evidence_virus_checked:
        return render(
            request,
            "campaigns/evidence_unscanned.html",
            {"activity": activity},
            status=409,
        )
    content_type = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}.get(
        activity.evidence.name.rsplit(".", 1)[-1], "application/octet-stream"
    )
    try:
        return stored_file_response(
            activity.evidence, filename=activity.evidence_name, content_type=content_type
        )
    except StorageUnavailable:
        return render(
            request, "campaigns/evidence_unavailable.html", {"activity": activity}, status=503
        )


def _readiness_rows(request: HttpRequest, campaign: Campaign) -> list:
    """Campaign admins see every partner's row; a partner sees its own."""
    runs_it = campaign.is_run_by(request.user)
    rows = readiness_for(
        campaign, organisation_ids=None if runs_it else request.user.organisation_ids
    )
    show = request.GET.get("show", "")
    if show == "not-started":
        rows = [row for row in rows if row.not_started]
    elif show == "no-activity-since-launch":
        today = timezone.localdate()
        rows = [row for row in rows if row.launch_date <= today and not row.activity_since_launch]
    return rows


@require_http_methods(["GET"])
def readiness(request: HttpRequest, slug: str) -> HttpResponse:
    """Campaign admins see every partner's row; a partner sees its own."""
    campaign = get_campaign_for_user(request.user, slug)
    runs_it = campaign.is_run_by(request.user)
    rows = _readiness_rows(request, campaign)
    show = request.GET.get("show", "")
    return render(
        request,
        "campaigns/readiness.html",
        {
            "campaign": campaign,
            "rows": rows,
            "runs_it": runs_it,
            "show": show,
        },
    )


@require_http_methods(["GET"])
def readiness_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The readiness view as a spreadsheet, the same rows as the page (and its filter)."""
    if fmt not in {"csv", "xlsx"}:
        raise Http404("No such format.")
    campaign = get_campaign_for_user(request.user, slug)
    rows = _readiness_rows(request, campaign)
    types = Activity.Type.choices
    header = [
        "Partner",
        "Launch date",
        "People",
        "Signed in",
        "Last sign-in",
        "Material downloaded",
        *(label for _, label in types),
        "Activity records",
        "Last activity",
        "Activity since launch",
    ]

    def lines() -> Iterator[list]:
        for row in rows:
            last = row.last_sign_in
            yield [
                row.organisation.name,
                row.launch_date,
                len(row.members),
                len(row.signed_in),
                timezone.localtime(last).replace(tzinfo=None) if last else None,
                row.materials_downloaded,
                *(row.activity_by_type.get(value, 0) for value, _ in types),
                row.activity_total,
                row.last_activity,
                row.activity_since_launch,
            ]

    record(
        AuditEntry.Action.REPORT_EXPORTED,
        actor=request.user,
        address=client_address(request),
        campaign=campaign,
        target=campaign,
        data={"report": "readiness", "format": fmt},
    )
    stamp = timezone.localdate().strftime("%Y-%m-%d")
    filename = f"{campaign.slug}-readiness-{stamp}.{fmt}"
    if fmt == "csv":
        return csv_response(header, lines(), filename)
    workbook = new_workbook()
    add_sheet(workbook, "Readiness", header, list(lines()))
    return xlsx_response(workbook, filename)


@require_http_methods(["GET", "POST"])
def enforcement_create(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request.user, slug)
    force = require_police_force(request.user, campaign)
    is_post = request.method == "POST"
    form = EnforcementFiguresForm(
        request.POST if is_post else None, campaign=campaign, organisation=force
    )
    if is_post and form.is_valid():
        try:
            services.record_enforcement(
                form.save(commit=False), actor=request.user, address=client_address(request)
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"{force}'s enforcement figures have been recorded.")
            return redirect(
                reverse("campaigns:campaign-detail", args=[campaign.slug]) + "#enforcement"
            )
    return render(
        request,
        "campaigns/enforcement_form.html",
        {"form": form, "campaign": campaign, "organisation": force},
    )
