"""The regional press release as a Word template with fields, and South Somerset District
Council's localised release generated from it with the demo's figures and the seed's quotes.

The template's words are the second seed's with its figures and names turned into fields, so
the generated release carries the seed's figures to the digit: 895 people in 2017 (the first
seed's Avon and Somerset row), 90 search warrants, 85 offenders charged, 235 live cases and
referrals up 100% (Avon and Somerset Police's enforcement figures).
"""

import io
import textwrap

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from agencies import services as agency_services
from campaigns.demo.campaign_setup import SOUTH_SOMERSET, SOUTH_WEST
from campaigns.demo.people import Cast
from campaigns.demo.toolkit import SEEDS, ToolkitLoader, _at_launch, poster_png
from campaigns.localising import docx as word
from campaigns.models import Campaign, CampaignPartner, LocalisedMaterial, Material
from campaigns.models.material import ALLOWED_FILE_TYPES, upload_limit_bytes
from campaigns.services import localising
from campaigns.services.material import VersionContent
from lib import uploads

TEMPLATE_TITLE = "Press release to localise: your area's figures and local quotes"
LOCAL_TITLE = "South Somerset District Council press release (localised)"
FIGURES_YEAR = 2017

# (text in the second seed, field that replaces it), in the order they appear.
_REPLACEMENTS = [
    ("South Somerset District Council", "{{ organisation_name }}"),
    ("Avon and Somerset Police", "{{ police_force }}"),
    (
        "90 search warrants in the last 12 months",
        "{{ search_warrants }} search warrants in {{ enforcement_period }}",
    ),
    ("85 offenders", "{{ offenders_charged }} offenders"),
    ("235 live cases", "{{ live_cases }} live cases"),
    ("increasing by 100%", "{{ referrals_change }}"),
    ("In 2017 895 people", "In {{ help_seekers_period }} {{ help_seekers_total }} people"),
    ("(0808 1000 900)", "({{ helpline }})"),
    ("Avon and Somerset", "{{ force_area }}"),
]


def _seed_paragraphs() -> list[str]:
    text = (SEEDS / "south_somerset_local_press_release.txt").read_text()
    return [part.strip() for part in text.split("\n\n") if part.strip()]


def _quote(paragraphs: list[str], start: int) -> tuple[str, str]:
    """Who said a quote (role and name in one) and its words, over three paragraphs."""
    who, _, first = paragraphs[start].partition("said:")
    return who.strip(), "\n\n".join([first.strip(), *paragraphs[start + 1 : start + 3]])


SPEAKERS = {
    1: ("Will White", "Avon and Somerset Head of Protect"),
    2: ("Sue Mountstevens", "Avon and Somerset Police and Crime Commissioner"),
}


def quotes() -> dict[str, str]:
    """The free fields as South Somerset wrote them: the seed's two local quotes."""
    paragraphs = _seed_paragraphs()
    entered = {}
    for number, start in ((1, 5), (2, 8)):
        _who, words = _quote(paragraphs, start)
        speaker, role = SPEAKERS[number]
        entered |= {
            f"quote_{number}_speaker": speaker,
            f"quote_{number}_role": role,
            f"quote_{number}_text": words,
        }
    return entered


def template_paragraphs() -> list[tuple[str, str]]:
    paragraphs = _seed_paragraphs()
    kept = paragraphs[:5] + paragraphs[11:]
    made = []
    for text in kept:
        for literal, field in _REPLACEMENTS:
            text = text.replace(literal, field)
        made.append(text)
    quotes_at = 5
    made[quotes_at:quotes_at] = [
        "{{ quote_1_role }} {{ quote_1_speaker }} said: {{ quote_1_text }}",
        "{{ quote_2_role }} {{ quote_2_speaker }} said: {{ quote_2_text }}",
    ]
    made.append("Confidential help: {{ helpline }}, {{ help_link }}")
    return [("Title" if number == 0 else "Normal", text) for number, text in enumerate(made)]


def template_docx() -> bytes:
    return word.build(template_paragraphs())


POSTER_TEMPLATE_TITLE = "Co-branded poster: behind every image is a child"
POSTER_FORCE = "avon-and-somerset-police"
LOGO_ZONE = [0.06, 0.8, 0.4, 0.14]
TEXT_ZONE = [0.5, 0.8, 0.44, 0.14]
POSTER_WORDS = "{{ organisation_name }} supports Stop it Now! Call {{ helpline }} in confidence."


def logo_png(name: str, colour: str = "#0b3d91") -> bytes:
    """A stand-in logo: the organisation's name in its colour (the demo has no real logos)."""
    image = Image.new("RGB", (640, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 40, 200), fill=colour)
    font = ImageFont.load_default(size=44)
    for number, line in enumerate(textwrap.wrap(name, 22)[:2]):
        draw.text((70, 40 + number * 62), line, font=font, fill=colour)
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


def _checked(name: str, data: bytes, allowed) -> uploads.CheckedUpload:
    return uploads.check_upload(
        SimpleUploadedFile(name, data), allowed=allowed, max_bytes=50 * uploads.MB, what="file"
    )


def load_poster(summary, cast: Cast, campaign: Campaign, loader: ToolkitLoader) -> None:
    """A poster template with a logo zone and a text zone, and Avon and Somerset Police's
    co-branded poster made from it with its logo and a QR code of its tracked link."""
    material, created = loader.add(
        title=POSTER_TEMPLATE_TITLE,
        kind=Material.Kind.POSTER,
        description="The campaign poster with room for your logo and a line of your own. The "
        "portal adds a QR code of your organisation's link to the help page.",
        usage_notes="Add your logo on your organisation's page, then “Make your version”.",
        content=VersionContent(
            upload=_checked("co-branded-poster.png", poster_png(), {uploads.PNG}),
            alt_text="Campaign poster: 'Behind every image is a child.' with a space for a "
            "partner's logo and words.",
        ),
    )
    if created:
        loader.approve_latest(material)
        localising.mark_template(
            material,
            actor=loader.admin,
            kind="poster",
            logo_zone=LOGO_ZONE,
            text_zone=TEXT_ZONE,
            poster_text=POSTER_WORDS,
        )
    material.refresh_from_db()
    force = cast.organisations[POSTER_FORCE]
    if not force.logo:
        agency_services.set_logo(
            force,
            _checked("logo.png", logo_png(force.name), {uploads.PNG}),
            actor=cast.users["police.comms@demo.example"],
        )
    exists = LocalisedMaterial.objects.filter(template=material.template, organisation=force)
    summary.add("localised material", not exists.exists())
    if exists.exists():
        return
    version = localising.make_localised(
        material.template,
        organisation=force,
        actor=cast.users["police.comms@demo.example"],
        window=None,
        entered={},
        title=f"{force} co-branded poster",
        notify=False,
    )
    loader.approve_latest(version.material)
    loader.announced(version.material)


def load(summary, cast: Cast, campaigns: dict[str, Campaign]) -> None:
    south_west = campaigns[SOUTH_WEST]
    loader = ToolkitLoader(summary, cast, south_west)
    data = template_docx()
    upload = uploads.check_upload(
        SimpleUploadedFile("press-release-to-localise.docx", data),
        allowed=ALLOWED_FILE_TYPES[Material.Kind.PRESS_RELEASE],
        max_bytes=upload_limit_bytes(Material.Kind.PRESS_RELEASE),
        what="press release",
    )
    material, created = loader.add(
        title=TEMPLATE_TITLE,
        kind=Material.Kind.PRESS_RELEASE,
        description="The regional press release as a Word template: the portal fills in your "
        "area's help-seeker figures and your force's enforcement figures; you add local quotes.",
        usage_notes="Choose “Make your version”; the charity reviews it before you issue it.",
        content=VersionContent(upload=upload),
    )
    if created:
        loader.approve_latest(material)
        localising.mark_template(material, actor=loader.admin, kind="press_release")
    material.refresh_from_db()
    template = material.template

    council = cast.organisations[SOUTH_SOMERSET]
    exists = LocalisedMaterial.objects.filter(template=template, organisation=council).exists()
    summary.add("localised material", not exists)
    if not exists:
        _generate_release(cast, south_west, loader, template, council)


def _generate_release(cast, south_west, loader, template, council) -> None:
    version = localising.make_localised(
        template,
        organisation=council,
        actor=cast.users["council.officer@demo.example"],
        window=localising.year_window(FIGURES_YEAR),
        entered=quotes(),
        title=LOCAL_TITLE,
        notify=False,
    )
    local = version.material
    loader.announced(local)
    local.audience_organisations.set(
        [
            council,
            cast.organisations["avon-and-somerset-police"],
            cast.organisations["avon-and-somerset-police-and-crime-commissioner"],
        ]
    )
    launch = CampaignPartner.objects.get(campaign=south_west, organisation=council).launch_date
    Material.objects.filter(pk=local.pk).update(embargo_until=_at_launch(launch))
    loader.approve_latest(local)
    loader.download(local, "police.comms@demo.example", "avon-and-somerset-police")


def load_all(summary, cast: Cast, campaigns: dict[str, Campaign]) -> None:
    load(summary, cast, campaigns)
    load_poster(
        summary, cast, campaigns[SOUTH_WEST], ToolkitLoader(summary, cast, campaigns[SOUTH_WEST])
    )
