"""The fields a template may use, where each value comes from, and the values for one partner.

Every value is computed from what the portal holds now, so comparing the values stored with a
generated version against freshly computed ones says exactly which figures have changed.
Help-seeker counts follow the small-number rule of the impact pages (`show_protected`): a count
from 1 to below the threshold is never put in a document; the field says "fewer than N".
"""

import hashlib
import logging
from dataclasses import asdict, dataclass
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.utils import formats

from agencies.models import Organisation
from campaigns.impact.areas import area_table
from campaigns.impact.disclosure import present_effect, show_protected
from campaigns.impact.effect import campaign_effect
from campaigns.impact.periods import Window, describe_span
from campaigns.models import Campaign, CampaignPartner, EnforcementFigures, WorkflowError
from lib.files import StorageUnavailable, StoredFileMissing, read_stored

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    source: str
    free: bool = False
    long: bool = False


_HELP_SEEKERS = "Help-seeker figures the charity imported, for the organisation's force area"
_ENFORCEMENT = "The latest enforcement figures the area's police force recorded in this campaign"

FIELDS: dict[str, Field] = {
    field.name: field
    for field in [
        Field("organisation_name", "Organisation", "The organisation's name in the portal"),
        Field("force_area", "Force area", "The organisation's force area in the portal"),
        Field("police_force", "Police force", "The police force of the organisation's area"),
        Field("help_seekers_period", "Period of the help-seeker figures", "The period you choose"),
        Field("help_seekers_website", "Help-seekers: website", _HELP_SEEKERS + ", website"),
        Field("help_seekers_helpline", "Help-seekers: helpline", _HELP_SEEKERS + ", helpline"),
        Field("help_seekers_total", "Help-seekers: total", _HELP_SEEKERS + ", every channel"),
        Field(
            "campaign_effect",
            "Campaign effect in the area",
            "Help-seekers from the area in the three months after the campaign's launch against "
            "the three months before",
        ),
        Field("enforcement_period", "Period of the enforcement figures", _ENFORCEMENT),
        Field("search_warrants", "Search warrants executed", _ENFORCEMENT),
        Field("offenders_charged", "Offenders charged", _ENFORCEMENT),
        Field("live_cases", "Live cases", _ENFORCEMENT),
        Field("referrals_change", "Change in referrals", _ENFORCEMENT),
        Field("launch_date", "Launch date", "The organisation's launch date in this campaign"),
        Field("helpline", "Helpline", "The campaign's helpline number"),
        Field("organisation_logo", "Logo", "The logo on the organisation's page"),
        Field(
            "help_link", "Link to help", "The campaign's help page, with your organisation named"
        ),
        *(
            field
            for number in (1, 2)
            for field in (
                Field(f"quote_{number}_speaker", f"Quote {number}: speaker", "You", free=True),
                Field(f"quote_{number}_role", f"Quote {number}: role", "You", free=True),
                Field(
                    f"quote_{number}_text", f"Quote {number}: words", "You", free=True, long=True
                ),
            )
        ),
    ]
}
FREE_FIELDS = [name for name, field in FIELDS.items() if field.free]


@dataclass
class Value:
    """One field's value for one partner: the text that goes in the document, where it came
    from, for what period, or why it is missing."""

    name: str
    text: str = ""
    source: str = ""
    period: str = ""
    missing: str = ""

    @property
    def label(self) -> str:
        return FIELDS[self.name].label

    @property
    def free(self) -> bool:
        return FIELDS[self.name].free

    def as_record(self) -> dict:
        return asdict(self)


def _day(day: date) -> str:
    return formats.date_format(day, "j F Y")


def _count(value: int | None) -> str:
    return f"{value:,}"


def police_force_for(campaign: Campaign, organisation: Organisation) -> Organisation | None:
    """The force whose enforcement figures a partner uses: itself if it is a force, else the
    force of its area taking part in the campaign."""
    if organisation.kind == Organisation.Kind.POLICE_FORCE:
        return organisation
    if organisation.force_area_id is None:
        return None
    partner = (
        CampaignPartner.objects.filter(
            campaign=campaign,
            organisation__kind=Organisation.Kind.POLICE_FORCE,
            organisation__force_area_id=organisation.force_area_id,
        )
        .select_related("organisation")
        .order_by("organisation__name", "pk")
        .first()
    )
    return partner.organisation if partner else None


def _help_seeker_values(organisation: Organisation, window: Window | None) -> dict[str, Value]:
    names = ["help_seekers_period", "help_seekers_website", "help_seekers_helpline"]
    names.append("help_seekers_total")
    values = {name: Value(name, source=FIELDS[name].source) for name in names}
    area = organisation.force_area
    if window is None:
        for value in values.values():
            value.missing = "Choose the period of the help-seeker figures."
        return values
    period = describe_span(window.start, window.end)
    for value in values.values():
        value.period = period
    values["help_seekers_period"].text = period
    if area is None:
        for name in names[1:]:
            values[name].missing = f"{organisation} has no force area in the portal."
        return values
    table = area_table(area.region, window)
    row = next((r for r in table.rows if r.force_area == area), None)
    gaps = [
        note for note in table.coverage.missing + table.coverage.left_out if note.area_id == area.pk
    ]
    by_slug = {channel.slug: channel.pk for channel in table.channels}
    threshold = settings.SMALL_NUMBER_THRESHOLD
    counts = row.counts if row else {}
    # A total that includes a withheld count is rounded, as on the impact pages.
    has_small = any(
        show_protected(count, hides_small=False, threshold=threshold).suppressed
        for count in counts.values()
    )
    for name, slug in (("help_seekers_website", "website"), ("help_seekers_helpline", "helpline")):
        count = counts.get(by_slug.get(slug))
        if count is None:
            values[name].missing = f"There are no {slug} figures for {area} for {period}."
            continue
        values[name].text = show_protected(count, hides_small=False, threshold=threshold).text
    total = row.total if row else None
    if total is None:
        values["help_seekers_total"].missing = f"There are no figures for {area} for {period}."
    else:
        values["help_seekers_total"].text = show_protected(
            total, hides_small=has_small, threshold=threshold
        ).text
    if gaps:
        for name in names[1:]:
            if not values[name].missing:
                values[name].missing = f"The figures for {period} are incomplete: {gaps[0]}."
    return values


def _effect_value(campaign: Campaign, organisation: Organisation) -> Value:
    value = Value("campaign_effect", source=FIELDS["campaign_effect"].source)
    area_id = organisation.force_area_id
    effect = campaign_effect(campaign) if area_id else None
    if effect is None:
        value.missing = "The campaign has no region or the organisation no force area."
        return value
    value.period = f"{effect.before.label} against {effect.after.label}"
    rows = present_effect(effect, exact=False, own_areas={area_id})
    row = next((r for r in rows if r.force_area and r.force_area.pk == area_id), None)
    # Only a percentage the impact page would show a partner as a number: never one worked out
    # from a withheld count or over windows the figures do not cover.
    if row is None or row.percent_value is None:
        value.missing = (
            "There are not enough figures for the area around the launch to work out the effect."
        )
        return value
    change = row.percent_value
    value.text = "no change" if change == 0 else f"{'up' if change > 0 else 'down'} {abs(change)}%"
    return value


def _enforcement_values(campaign: Campaign, organisation: Organisation) -> dict[str, Value]:
    names = ["police_force", "enforcement_period", "search_warrants", "offenders_charged"]
    names += ["live_cases", "referrals_change"]
    values = {name: Value(name, source=FIELDS[name].source) for name in names}
    force = police_force_for(campaign, organisation)
    if force is None:
        for value in values.values():
            value.missing = "No police force of the organisation's area takes part in the campaign."
        return values
    values["police_force"].text = force.name
    values["police_force"].source = "The police force of the organisation's area"
    figures = (
        EnforcementFigures.objects.filter(campaign=campaign, organisation=force)
        .order_by("-period_end", "-pk")
        .first()
    )
    if figures is None:
        for name in names[1:]:
            values[name].missing = f"{force} has not recorded enforcement figures yet."
        return values
    period = f"the {figures.months} months to {_day(figures.period_end)}"
    for name in names[1:]:
        values[name].period = period
        values[name].source = f"{force}'s enforcement figures"
    values["enforcement_period"].text = period
    for name in ("search_warrants", "offenders_charged", "live_cases"):
        number = getattr(figures, name)
        if number is None:
            values[name].missing = f"{force}'s figures for {period} leave this out."
        else:
            values[name].text = _count(number)
    change = figures.referrals_change_percent
    if change is None:
        values["referrals_change"].missing = f"{force}'s figures for {period} leave this out."
    elif change == 0:
        values["referrals_change"].text = "unchanged"
    else:
        direction = "increasing" if change > 0 else "falling"
        values["referrals_change"].text = f"{direction} by {abs(change)}%"
    return values


def help_link(campaign: Campaign, organisation: Organisation, *, medium: str) -> str:
    """The campaign's help page with standard campaign parameters naming the partner, so that
    visits can be counted by partner. Empty when the campaign has no address."""
    sites = campaign.website_list
    if not sites:
        return ""
    page = next((site for site in sites if "help" in site.lower()), sites[0])
    address = page if "://" in page else f"https://{page}"
    joiner = "&" if "?" in address else "?"
    parameters = urlencode(
        {"utm_source": organisation.slug, "utm_medium": medium, "utm_campaign": campaign.slug}
    )
    return f"{address}{joiner}{parameters}"


def portal_values(
    campaign: Campaign,
    organisation: Organisation,
    *,
    window: Window | None,
    names: set[str],
    medium: str = "press_release",
) -> dict[str, Value]:
    """The values of the portal's fields among `names` for this organisation, now."""
    values: dict[str, Value] = {}
    values["organisation_name"] = Value(
        "organisation_name", organisation.name, FIELDS["organisation_name"].source
    )
    area = organisation.force_area
    values["force_area"] = Value(
        "force_area",
        area.name if area else "",
        FIELDS["force_area"].source,
        missing="" if area else f"{organisation} has no force area in the portal.",
    )
    if names & {"help_seekers_period", "help_seekers_website", "help_seekers_helpline"} or (
        "help_seekers_total" in names
    ):
        values.update(_help_seeker_values(organisation, window))
    if "campaign_effect" in names:
        values["campaign_effect"] = _effect_value(campaign, organisation)
    if names & {"police_force", "enforcement_period", "search_warrants", "offenders_charged"} or (
        names & {"live_cases", "referrals_change"}
    ):
        values.update(_enforcement_values(campaign, organisation))
    # Through the campaign, so that the partner comes with it for its launch date.
    partner = campaign.partners.filter(organisation=organisation).first()
    launch = partner.effective_launch_date if partner else campaign.launch_date
    values["launch_date"] = Value("launch_date", _day(launch), FIELDS["launch_date"].source)
    values["helpline"] = Value(
        "helpline",
        campaign.helpline_number,
        FIELDS["helpline"].source,
        missing="" if campaign.helpline_number else "The campaign has no helpline number.",
    )
    link = help_link(campaign, organisation, medium=medium)
    values["help_link"] = Value(
        "help_link",
        link,
        FIELDS["help_link"].source,
        missing="" if link else "The campaign has no help page address.",
    )
    if "organisation_logo" in names:
        values["organisation_logo"] = _logo_value(organisation)
    return {name: value for name, value in values.items() if name in names}


class LogoUnavailable(WorkflowError):
    """The organisation's logo cannot be had for its poster just now; the message says why and
    what to do, for the person making or reading the poster."""


def read_logo(organisation: Organisation) -> bytes:
    """The organisation's logo, or LogoUnavailable. A logo row whose file the store has lost,
    or a store that cannot be reached, must not fail the pages that show the poster's values:
    the person is told, and the fault is logged for the system administrators."""
    if not organisation.logo:
        raise LogoUnavailable(f"Add {organisation}'s logo on its organisation page first.")
    try:
        return read_stored(organisation.logo)
    except StoredFileMissing:
        logger.error(
            "The logo of %s (organisation %s) is not in the file store: %s",
            organisation,
            organisation.pk,
            organisation.logo.name,
        )
        raise LogoUnavailable(
            f"{organisation}'s logo is missing from the file store: add it again on its "
            "organisation page."
        ) from None
    except StorageUnavailable as error:
        logger.warning(
            "The logo of %s (organisation %s) could not be read from the file store: %s",
            organisation,
            organisation.pk,
            error,
        )
        raise LogoUnavailable(
            f"The file store cannot be reached just now, so {organisation}'s logo cannot be "
            "read. Try again in a few minutes."
        ) from None


def _logo_value(organisation: Organisation) -> Value:
    """The logo, named by a digest of its bytes so that a new logo counts as a change."""
    value = Value("organisation_logo", source=FIELDS["organisation_logo"].source)
    try:
        logo = read_logo(organisation)
    except LogoUnavailable as unavailable:
        value.missing = str(unavailable)
        return value
    value.text = f"logo {hashlib.sha256(logo).hexdigest()[:12]}"
    return value


def free_values(entered: dict[str, str], *, names: set[str]) -> dict[str, Value]:
    values = {}
    for name in FREE_FIELDS:
        if name not in names:
            continue
        text = (entered.get(name) or "").strip()
        values[name] = Value(
            name,
            text,
            "Written by your organisation",
            missing="" if text else f"Write the {FIELDS[name].label.lower()}.",
        )
    return values
