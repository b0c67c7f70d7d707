"""Templates partners localise: marking material as one, making a partner's version from it with
the partner's own figures, regenerating it when the figures change, and saying what changed."""

import io
import uuid
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.images import get_image_dimensions
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from agencies.models import Organisation
from audit.models import AuditEntry
from audit.services import record
from campaigns.impact.periods import Window
from campaigns.localising import docx as word
from campaigns.localising import pdf, poster
from campaigns.localising.fields import FIELDS, Value, free_values, portal_values, read_logo
from campaigns.models import (
    GeneratedVersion,
    HelpSeekerFigure,
    LocalisedMaterial,
    LocalisedTemplate,
    Material,
    MaterialVersion,
    WorkflowError,
)
from campaigns.models.material import upload_limit_bytes
from campaigns.services import material as material_services
from campaigns.services.material import VersionContent
from lib import uploads
from lib.files import StoredFiles


class MissingValues(WorkflowError):
    """Some fields have no value for this partner; each is named with the reason."""

    def __init__(self, missing: list[Value]):
        self.missing = missing
        super().__init__(
            "These fields have no value yet: "
            + "; ".join(f"{value.label} ({value.missing})" for value in missing)
        )


def _read(file_field) -> bytes:
    with file_field.open("rb") as handle:
        return handle.read()


def check_template_file(data: bytes) -> list[word.FieldUse]:
    """The fields of a Word template; ValidationError naming every problem and its place."""
    try:
        return word.read_fields(data, known=set(FIELDS))
    except word.TemplateError as error:
        raise ValidationError(
            [f"This template cannot be used: {problem}." for problem in error.problems],
            code="template_fields",
        ) from error


def template_version(template: LocalisedTemplate) -> MaterialVersion | None:
    """The version partners make theirs from: the template's approved one."""
    return template.material.current_version


def field_names(template: LocalisedTemplate, version: MaterialVersion | None = None) -> list[str]:
    """The fields the template uses, in order of first use, without repeats."""
    version = version or template_version(template)
    if version is None:
        return []
    if template.kind == LocalisedTemplate.Kind.POSTER:
        uses = [use.group(1) for use in word.FIELD.finditer(template.poster_text)]
        uses.append("organisation_logo")
        if template.material.campaign.website_list:
            uses.append("help_link")  # drawn as a QR code beside the words
    else:
        uses = [use.name for use in word.read_fields(_read(version.file), known=set(FIELDS))]
    return list(dict.fromkeys(uses))


def mark_template(
    material: Material,
    *,
    actor,
    kind: str,
    logo_zone: list[float] | None = None,
    text_zone: list[float] | None = None,
    poster_text: str = "",
    address: str | None = None,
) -> LocalisedTemplate:
    """Make material a template, after checking its latest version's file can be one."""
    if not material.campaign.is_run_by(actor):
        raise WorkflowError("Only the campaign's admins can make material a template.")
    if hasattr(material, "localised"):
        raise WorkflowError("Material made from a template cannot itself be a template.")
    latest = material.latest_version
    if latest is None or not latest.has_file:
        raise WorkflowError("Upload the template's file first.")
    if kind == LocalisedTemplate.Kind.PRESS_RELEASE:
        if material.kind != Material.Kind.PRESS_RELEASE or latest.content_type != uploads.DOCX:
            raise WorkflowError("A press release template is a Word document (.docx).")
        check_template_file(_read(latest.file))
    else:
        if material.kind != Material.Kind.POSTER or latest.content_type not in {
            uploads.PNG,
            uploads.JPEG,
        }:
            raise WorkflowError("A poster template is a PNG or JPEG image.")
        unknown = [m.group(1) for m in word.FIELD.finditer(poster_text) if m.group(1) not in FIELDS]
        if not logo_zone or not text_zone:
            raise WorkflowError("A poster template needs a logo zone and a text zone.")
        if unknown:
            raise WorkflowError(
                f"The poster's words use a field the portal does not know: {unknown[0]}."
            )
        if word.BRACES.search(word.FIELD.sub("", poster_text)):
            raise WorkflowError(
                "The poster's words have a brace that is not part of a field; write fields as "
                "{{ field_name }}."
            )
    with transaction.atomic():
        template, _ = LocalisedTemplate.objects.update_or_create(
            material=material,
            defaults={
                "kind": kind,
                "logo_zone": logo_zone,
                "text_zone": text_zone,
                "poster_text": poster_text,
                "marked_by": actor,
            },
        )
        record(
            AuditEntry.Action.TEMPLATE_MARKED,
            actor=actor,
            address=address,
            organisation=material.owner_organisation,
            campaign=material.campaign,
            material=material,
            target=material,
            data={"kind": kind, "version": latest.number},
        )
    return template


# --- Values --------------------------------------------------------------------------------


def window_of(localised_or_period) -> Window | None:
    start, end = localised_or_period
    if start is None or end is None:
        return None
    return Window(start, end)


def years_with_figures(organisation: Organisation) -> list[int]:
    """Whole calendar years with help-seeker figures for the organisation's area, newest first."""
    if organisation.force_area_id is None:
        return []
    spans = HelpSeekerFigure.objects.filter(force_area_id=organisation.force_area_id).values_list(
        "period_start", "period_end"
    )
    return sorted({start.year for start, end in spans if start.year == end.year}, reverse=True)


def year_window(year: int) -> Window:
    return Window(date(year, 1, 1), date(year, 12, 31))


def values_for(
    template: LocalisedTemplate,
    organisation: Organisation,
    *,
    window: Window | None,
    entered: dict[str, str],
    names: list[str] | None = None,
) -> list[Value]:
    """Every field's value for this partner, in the template's order."""
    names = names if names is not None else field_names(template)
    wanted = set(names)
    medium = "poster" if template.kind == LocalisedTemplate.Kind.POSTER else "press_release"
    values = portal_values(
        template.material.campaign, organisation, window=window, names=wanted, medium=medium
    )
    values.update(free_values(entered, names=wanted))
    return [values[name] for name in names]


# --- Making and regenerating ---------------------------------------------------------------


@dataclass
class Made:
    """A generated document: its Word file (or poster image), its PDF and its words."""

    main: uploads.CheckedUpload
    pdf: bytes
    text: str
    preview: ContentFile | None = None


def _make_release(
    template: LocalisedTemplate, version: MaterialVersion, values, *, title: str
) -> Made:
    filled = word.fill(_read(version.file), {value.name: value.text for value in values})
    paragraphs = word.paragraphs_of(filled)
    checked = uploads.check_upload(
        SimpleUploadedFile(f"{slugify(title)[:80]}.docx", filled),
        allowed={uploads.DOCX},
        max_bytes=upload_limit_bytes(Material.Kind.PRESS_RELEASE),
        what="press release",
    )
    link = next((value.text for value in values if value.name == "help_link"), "")
    document = pdf.render(paragraphs, title=title, qr_png=poster.qr_png(link) if link else None)
    return Made(checked, document, "\n\n".join(paragraphs))


def _make(
    template: LocalisedTemplate, version: MaterialVersion, values, *, title, organisation
) -> Made:
    if template.kind == LocalisedTemplate.Kind.POSTER:
        checked, document, words = poster.make(
            template,
            _read(version.file),
            read_logo(organisation),
            {v.name: v.text for v in values},
            title=title,
        )
        return Made(checked, document, words)
    return _make_release(template, version, values, title=title)


def poster_preview(template: LocalisedTemplate, organisation: Organisation) -> bytes:
    """The co-branded poster as it would be made now, as PNG bytes (WorkflowError if a value is
    missing). A poster's words are the template's alone, so nothing the partner types is needed."""
    version, values = _checked_values(template, organisation, window=None, entered={})
    shown = {value.name: value.text for value in values}
    image = poster.draw(
        _read(version.file),
        logo=read_logo(organisation),
        logo_zone=template.logo_zone,
        text_zone=template.text_zone,
        text=poster.template_words(template.poster_text, shown),
        link=shown.get("help_link", ""),
    )
    image.thumbnail((900, 900))
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


def preview_text(template: LocalisedTemplate, values: list[Value]) -> list[str]:
    """What the document will say, paragraph by paragraph, with missing values marked."""
    version = template_version(template)
    shown = {v.name: v.text if not v.missing else f"[{v.label}: missing]" for v in values}
    if template.kind == LocalisedTemplate.Kind.POSTER:
        return [word.FIELD.sub(lambda m: shown.get(m.group(1), ""), template.poster_text)]
    return word.paragraphs_of(word.fill(_read(version.file), shown))


def _record_generation(
    version: MaterialVersion,
    localised: LocalisedMaterial,
    template_version_used: MaterialVersion,
    values: list[Value],
    made: Made,
    stored: StoredFiles,
) -> GeneratedVersion:
    generated = GeneratedVersion(
        version=version,
        localised=localised,
        template_version=template_version_used,
        values={value.name: value.as_record() for value in values},
        figures_as_of=timezone.now(),
    )
    generated.pdf.save("document.pdf", ContentFile(made.pdf), save=False)
    stored.add(generated.pdf)
    generated.save()
    if not version.preview:
        # A picture of the first page, as uploaded PDFs have, for the material's page.
        checked_pdf = uploads.check_upload(
            SimpleUploadedFile("document.pdf", made.pdf),
            allowed={uploads.PDF},
            max_bytes=upload_limit_bytes(Material.Kind.PRESS_RELEASE),
            what="PDF",
        )
        preview = uploads.make_preview(checked_pdf)
        if preview is not None:
            version.preview_width, version.preview_height = get_image_dimensions(preview)
            version.preview.save("preview.png", preview, save=False)
            stored.add(version.preview)
            version.save(update_fields=["preview", "preview_width", "preview_height"])
    return generated


def _checked_values(
    template, organisation, *, window, entered
) -> tuple[MaterialVersion, list[Value]]:
    if template.material.is_withdrawn:
        raise WorkflowError(
            "The charity has withdrawn this template; nothing more is made from it."
        )
    version = template_version(template)
    if version is None:
        raise WorkflowError("This template has no approved version to make yours from.")
    values = values_for(
        template, organisation, window=window, entered=entered, names=field_names(template, version)
    )
    missing = [value for value in values if value.missing]
    if missing:
        raise MissingValues(missing)
    return version, values


def _content(made: Made, template: LocalisedTemplate, organisation: Organisation) -> VersionContent:
    alt = ""
    if template.kind == LocalisedTemplate.Kind.POSTER:
        alt = (
            f"{template.material.current_version.alt_text} With the logo of {organisation}: "
            f"{made.text}"
        )
    return VersionContent(
        upload=made.main,
        text=made.text if template.kind == LocalisedTemplate.Kind.PRESS_RELEASE else "",
        alt_text=alt[:300],
    )


def make_localised(
    template: LocalisedTemplate,
    *,
    organisation: Organisation,
    actor,
    window: Window | None,
    entered: dict[str, str],
    submission_key: uuid.UUID | None = None,
    address: str | None = None,
    title: str = "",
    notify: bool = True,
) -> MaterialVersion:
    """The partner's own material from the template, with its values, submitted for review.

    The organisation is always the one the person acts for: nobody makes material with another
    organisation's figures. Refused (MissingValues) while any field has no value.
    """
    version, values = _checked_values(template, organisation, window=window, entered=entered)
    source = template.material
    title = (title or f"{source.title}: {organisation}'s version")[:200]
    made = _make(template, version, values, title=title, organisation=organisation)
    entered = {v.name: v.text for v in values if v.free}
    with StoredFiles() as stored, transaction.atomic():
        submitted = material_services.submit_material(
            campaign=source.campaign,
            owner=organisation,
            actor=actor,
            material=Material(
                kind=source.kind,
                title=title,
                description=f"Made in the portal from “{source.title}” with {organisation}'s "
                "figures.",
                usage_notes=source.usage_notes,
                audience=Material.Audience.NAMED_ORGANISATIONS,
                embargo_until=source.embargo_until,
            ),
            tags=[],
            audience_organisations=[organisation],
            content=_content(made, template, organisation),
            submission_key=submission_key,
            address=address,
            notify=notify,
        )
        if hasattr(submitted, "generated"):
            return submitted  # the same form, submitted twice
        localised = LocalisedMaterial.objects.create(
            material=submitted.material,
            template=template,
            organisation=organisation,
            period_start=window.start if window else None,
            period_end=window.end if window else None,
            free_values=entered,
        )
        _record_generation(submitted, localised, version, values, made, stored)
    return submitted


def regenerate(
    localised: LocalisedMaterial,
    *,
    actor,
    window: Window | None = None,
    entered: dict[str, str] | None = None,
    submission_key: uuid.UUID | None = None,
    address: str | None = None,
) -> MaterialVersion:
    """A new version with today's figures (and, if given, a new period or new words), reviewed
    as usual."""
    template = localised.template
    if window is None:
        window = window_of((localised.period_start, localised.period_end))
    entered = entered if entered is not None else localised.free_values
    version, values = _checked_values(
        template, localised.organisation, window=window, entered=entered
    )
    material = localised.material
    made = _make(
        template, version, values, title=material.title, organisation=localised.organisation
    )
    with StoredFiles() as stored, transaction.atomic():
        submitted = material_services.submit_version(
            material,
            actor=actor,
            content=_content(made, template, localised.organisation),
            submission_key=submission_key,
            address=address,
        )
        if hasattr(submitted, "generated"):
            return submitted
        localised.period_start = window.start if window else None
        localised.period_end = window.end if window else None
        localised.free_values = {v.name: v.text for v in values if v.free}
        localised.save(update_fields=["period_start", "period_end", "free_values", "updated_at"])
        _record_generation(submitted, localised, version, values, made, stored)
    return submitted


# --- What has changed ----------------------------------------------------------------------


@dataclass
class Changes:
    """How a generated version differs from what the portal would put in it now."""

    generated: GeneratedVersion | None
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # label, then, now
    template_changed: bool = False

    @property
    def any(self) -> bool:
        return bool(self.fields or self.template_changed)

    @property
    def since_approval(self) -> bool:
        return (
            self.generated is not None
            and self.generated.version.status == MaterialVersion.Status.APPROVED
        )


def latest_generation(localised: LocalisedMaterial) -> GeneratedVersion | None:
    return (
        localised.generations.select_related("version", "template_version")
        .order_by("-version__number")
        .first()
    )


def changes(localised: LocalisedMaterial) -> Changes:
    """Compare the values the latest version used with freshly computed ones: cheap, and right
    whatever changed them (an import, an undone import, corrected figures, a new template)."""
    return changes_since(localised, latest_generation(localised))


def changes_since(localised: LocalisedMaterial, generated: GeneratedVersion | None) -> Changes:
    """changes(), for a caller that has the latest generation (latest_generation) already."""
    found = Changes(generated)
    if generated is None:
        return found
    template = localised.template
    current = template_version(template)
    found.template_changed = current is not None and current.pk != generated.template_version_id
    names = list(generated.values)
    fresh = values_for(
        template,
        localised.organisation,
        window=window_of((localised.period_start, localised.period_end)),
        entered=localised.free_values,
        names=names,
    )
    for value in fresh:
        then = generated.values[value.name]["text"]
        now = value.text if not value.missing else f"missing: {value.missing}"
        if then != now:
            found.fields.append((value.label, then, now))
    return found


def changed_material(materials) -> dict[int, Changes]:
    """For a list of material, the changes of those made from templates, by material id."""
    found = {}
    for localised in LocalisedMaterial.objects.filter(material__in=materials).select_related(
        "template__material__campaign", "organisation__force_area__region", "material"
    ):
        result = changes(localised)
        if result.any:
            found[localised.material_id] = result
    return found
