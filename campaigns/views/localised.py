"""Templates partners localise: a template's page, marking material as one, a partner making its
own version with its figures, regenerating it, and the PDF beside a generated document."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.access import (
    get_campaign_for_user,
    get_localised_for_user,
    get_material_for_user,
    get_template_for_user,
    get_version_for_user,
    require_localiser,
)
from campaigns.forms.localised import LocaliseForm, TemplateMarkForm, VisitsImportForm
from campaigns.localising.fields import FIELDS
from campaigns.models import LocalisedMaterial, LocalisedTemplate, WorkflowError
from campaigns.services import localising, visits
from campaigns.services import material as material_services
from campaigns.views.material import send_recorded
from lib.addresses import client_address
from lib.files import protected_file_response


def _material_url(material) -> str:
    return reverse("campaigns:material-detail", args=[material.pk])


@require_http_methods(["GET", "POST"])
def template_mark(request: HttpRequest, pk: int) -> HttpResponse:
    material = get_material_for_user(request.user, pk, action="review")
    existing = getattr(material, "template", None)
    initial = {"kind": existing.kind if existing else material.kind}
    if existing and existing.kind == LocalisedTemplate.Kind.POSTER:
        initial.update(
            logo_zone=", ".join(map(str, existing.logo_zone or [])),
            text_zone=", ".join(map(str, existing.text_zone or [])),
            poster_text=existing.poster_text,
        )
    form = TemplateMarkForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            template = localising.mark_template(
                material,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                logo_zone=form.cleaned_data["logo_zone"],
                text_zone=form.cleaned_data["text_zone"],
                poster_text=form.cleaned_data["poster_text"],
                address=client_address(request),
            )
        except ValidationError as refused:
            for problem in refused.messages:
                form.add_error(None, problem)
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"“{material}” is now a template partners can localise.")
            return redirect("campaigns:template-detail", template.pk)
    return render(
        request,
        "campaigns/localised_template_form.html",
        {"material": material, "form": form, "fields": FIELDS.values()},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET"])
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_template_for_user(request.user, pk)
    campaign = template.material.campaign
    runs_it = campaign.is_run_by(request.user)
    names = localising.field_names(template)
    made = []
    if runs_it:
        made = [
            (localised, localising.changes(localised))
            for localised in LocalisedMaterial.objects.filter(template=template)
            .select_related("material", "organisation__force_area__region")
            .order_by("organisation__name", "pk")
        ]
    return render(
        request,
        "campaigns/localised_template_detail.html",
        {
            "template": template,
            "material": template.material,
            "campaign": campaign,
            "runs_it": runs_it,
            "fields": [FIELDS[name] for name in names],
            "made": made,
        },
    )


def _localise_page(request, template, organisation, *, localised=None) -> HttpResponse:
    """The one page for making a version and for changing one: values, words, preview, submit."""
    names = localising.field_names(template)
    years = localising.years_with_figures(organisation)
    initial = {}
    if localised is not None:
        initial.update(localised.free_values)
        if localised.period_start:
            initial["period"] = localised.period_start.year
    elif years:
        initial["period"] = years[0]
    bound = request.method == "POST"
    form = LocaliseForm(request.POST if bound else None, initial=initial, names=names, years=years)
    if bound:
        valid = form.is_valid()
        period = form.cleaned_data.get("period") if valid else None
        entered = form.entered() if valid else {}
    else:
        valid = False
        period = initial.get("period")
        entered = {k: v for k, v in initial.items() if k in FIELDS}
    window = localising.year_window(period) if period else None
    values = localising.values_for(
        template, organisation, window=window, entered=entered, names=names
    )
    missing = [value for value in values if value.missing]
    status = 200
    if valid and "submit" in request.POST:
        try:
            if localised is None:
                version = localising.make_localised(
                    template,
                    organisation=organisation,
                    actor=request.user,
                    window=window,
                    entered=entered,
                    submission_key=form.cleaned_data["submission_key"],
                    address=client_address(request),
                )
            else:
                version = localising.regenerate(
                    localised,
                    actor=request.user,
                    window=window,
                    entered=entered,
                    submission_key=form.cleaned_data["submission_key"],
                    address=client_address(request),
                )
        except WorkflowError as refused:
            form.add_error(None, str(refused))
            status = 400
        else:
            messages.success(
                request,
                f"Version {version.number} of “{version.material}” has been made with your "
                "figures and is waiting for review.",
            )
            return redirect(_material_url(version.material))
    return render(
        request,
        "campaigns/localised_make.html",
        {
            "template": template,
            "campaign": template.material.campaign,
            "organisation": organisation,
            "localised": localised,
            "form": form,
            "values": values,
            "missing": missing,
            "preview": localising.preview_text(template, values) if names else [],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def template_make(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_template_for_user(request.user, pk, action="make")
    organisation = require_localiser(request.user, template)
    return _localise_page(request, template, organisation)


@require_http_methods(["GET", "POST"])
def localised_edit(request: HttpRequest, pk: int) -> HttpResponse:
    localised = get_localised_for_user(request.user, pk)
    return _localise_page(request, localised.template, localised.organisation, localised=localised)


@require_POST
def localised_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    localised = get_localised_for_user(request.user, pk)
    try:
        version = localising.regenerate(
            localised, actor=request.user, address=client_address(request)
        )
    except WorkflowError as refused:
        messages.error(request, f"It could not be regenerated. {refused}")
        return redirect("campaigns:localised-edit", localised.material.pk)
    messages.success(
        request,
        f"Version {version.number} has been made with today's figures and is waiting for review.",
    )
    return redirect(_material_url(localised.material))


@require_http_methods(["GET"])
def version_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The PDF made beside a generated version: for the campaign's admins and its owner."""
    version = get_version_for_user(request.user, pk, number)
    generated = getattr(version, "generated", None)
    if generated is None or not generated.pdf:
        raise Http404("This version has no PDF.")
    stem = version.download_name.rpartition(".")[0] or "document"
    return send_recorded(
        request,
        version.material,
        lambda: material_services.record_version_download(
            version, user=request.user, address=client_address(request), sending=[generated.pdf]
        ),
        generated.pdf,
        filename=f"{stem}.pdf",
        content_type="application/pdf",
    )


@require_http_methods(["GET", "POST"])
def visits_import(request: HttpRequest, slug: str) -> HttpResponse:
    """The charity imports help page visits by the partners' tracked links (CSV or Excel)."""
    campaign = get_campaign_for_user(request.user, slug, action="manage")
    form = VisitsImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = visits.import_visits(
                form.cleaned_data["file"],
                campaign=campaign,
                actor=request.user,
                address=client_address(request),
            )
        except ValidationError as refused:
            for problem in refused.messages:
                form.add_error("file", problem)
        else:
            if not result.errors:
                messages.success(
                    request,
                    f"Visits imported: {result.added} new, {result.changed} replaced.",
                )
                return redirect("campaigns:impact", campaign.slug)
    return render(
        request,
        "campaigns/visits_import.html",
        {"campaign": campaign, "form": form, "result": result},
        status=400 if form.errors or (result and result.errors) else 200,
    )


@require_http_methods(["GET"])
def template_poster_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The partner's co-branded poster as it would be made now, drawn on request, not stored."""
    template = get_template_for_user(request.user, pk, action="make")
    organisation = require_localiser(request.user, template)
    if template.kind != LocalisedTemplate.Kind.POSTER:
        raise Http404("Only a poster template has a picture preview.")
    try:
        image = localising.poster_preview(template, organisation)
    except WorkflowError as missing:
        raise Http404(str(missing)) from None
    return protected_file_response(
        ContentFile(image), filename="poster-preview.png", content_type="image/png", inline=True
    )
