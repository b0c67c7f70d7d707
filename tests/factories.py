"""Plain factory functions for the tests: each makes one thing with sensible defaults."""

import hashlib
import io
import itertools
from datetime import date

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.text import slugify

from agencies.models import ForceArea, Membership, Organisation, Region, User
from campaigns.models import Campaign, CampaignPartner, Material, MaterialVersion

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def make_region(name: str = "South West England") -> Region:
    region, _ = Region.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    return region


def make_force_area(name: str | None = None, region: Region | None = None) -> ForceArea:
    name = name or f"Force area {next(_sequence)}"
    area, _ = ForceArea.objects.get_or_create(
        slug=slugify(name), defaults={"name": name, "region": region or make_region()}
    )
    return area


def make_organisation(
    name: str | None = None,
    kind: str = Organisation.Kind.POLICE_FORCE,
    *,
    force_area: ForceArea | None = None,
    region: Region | None = None,
    is_active: bool = True,
) -> Organisation:
    name = name or f"Organisation {next(_sequence)}"
    if (
        force_area is None
        and region is None
        and kind
        in {
            Organisation.Kind.POLICE_FORCE,
            Organisation.Kind.COUNCIL,
        }
    ):
        force_area = make_force_area(f"{name} area")
    return Organisation.objects.create(
        name=name,
        slug=slugify(name),
        kind=kind,
        force_area=force_area,
        region=region,
        is_active=is_active,
    )


def make_charity(name: str = "The Lucy Faithfull Foundation") -> Organisation:
    return make_organisation(name, Organisation.Kind.CHARITY)


def make_user(
    email: str | None = None,
    *,
    organisation: Organisation | None = None,
    role: str = Membership.Role.MEMBER,
    full_name: str | None = None,
    password: str = PASSWORD,
    **fields,
) -> User:
    number = next(_sequence)
    user = User.objects.create_user(
        email or f"person{number}@example.org",
        password,
        full_name=full_name or f"Person {number}",
        **fields,
    )
    if organisation is not None:
        Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


def make_campaign(
    name: str | None = None,
    *,
    lead: Organisation | None = None,
    partners: tuple[Organisation, ...] = (),
    launch_date: date = date(2026, 6, 1),
    **fields,
) -> Campaign:
    name = name or f"Campaign {next(_sequence)}"
    campaign = Campaign.objects.create(
        name=name,
        slug=slugify(name),
        lead_organisation=lead or make_charity(f"Charity {next(_sequence)}"),
        launch_date=launch_date,
        **fields,
    )
    for organisation in partners:
        CampaignPartner.objects.create(campaign=campaign, organisation=organisation)
    return campaign


def png_bytes(size: tuple[int, int] = (64, 48), colour: str = "navy") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def make_material(
    campaign: Campaign,
    *,
    owner: Organisation | None = None,
    kind: str = Material.Kind.POSTER,
    title: str | None = None,
    approved: bool = True,
    by: User | None = None,
    text: str = "",
    file_bytes: bytes | None = None,
    filename: str = "poster.png",
    content_type: str = "image/png",
    audience_organisations: tuple[Organisation, ...] = (),
    **details,
) -> Material:
    """Material with one version, approved or waiting for review, made directly in the database."""
    material = Material.objects.create(
        campaign=campaign,
        owner_organisation=owner or campaign.lead_organisation,
        kind=kind,
        title=title or f"Material {next(_sequence)}",
        **details,
    )
    material.audience_organisations.set(audience_organisations)
    version = MaterialVersion(
        material=material,
        number=1,
        text=text,
        alt_text="A test image" if file_bytes is not None or not text else "",
        uploaded_by=by,
        status=MaterialVersion.Status.APPROVED if approved else MaterialVersion.Status.IN_REVIEW,
        decided_at=timezone.now() if approved else None,
        decided_by=by if approved else None,
    )
    if not text:
        data = file_bytes if file_bytes is not None else png_bytes()
        version.original_filename = filename
        version.content_type = content_type
        version.size = len(data)
        version.sha256 = hashlib.sha256(data).hexdigest()
        version.file.save(filename, ContentFile(data), save=False)
    version.save()
    return material


def authenticator_for(user: User):
    """The person's confirmed authenticator app (TOTP device), made if they have none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True, tolerance=0)
    return device


def current_code(device) -> str:
    """The code the person's app shows now, as if time had moved on: a time step not yet used,
    and any wait after wrong codes over."""
    import time

    from django_otp.oath import totp

    type(device).objects.filter(pk=device.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    # With no tolerance a code typed in the last moment of its 30 seconds can arrive too late,
    # as for a person; wait for the next one rather than make the test flaky.
    left = device.step - (time.time() - device.t0) % device.step
    if left < 3:
        time.sleep(left + 0.1)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def sign_in_fully(client, user: User) -> None:
    """A session signed in with the password and the second step, as the sign-in pages leave it."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from agencies.sessions import mark_signed_in

    client.force_login(user, backend="agencies.backends.PersonBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
    mark_signed_in(session)
    session.save()


RELEASE_PARAGRAPHS = [
    ("Title", "{{ organisation_name }} supports the campaign"),
    (
        "Normal",
        "Officers of {{ police_force }} have undertaken {{ search_warrants }} search warrants in "
        "{{ enforcement_period }} and {{ offenders_charged }} offenders have been charged.",
    ),
    (
        "Normal",
        "In {{ help_seekers_period }} {{ help_seekers_total }} people from {{ force_area }} "
        "sought help ({{ help_seekers_website }} online, {{ help_seekers_helpline }} by phone).",
    ),
    ("Normal", "{{ quote_1_role }} {{ quote_1_speaker }} said: {{ quote_1_text }}"),
]


def docx_bytes(paragraphs: list[tuple[str, str]] | None = None) -> bytes:
    from campaigns.localising import docx as word

    return word.build(paragraphs or RELEASE_PARAGRAPHS)


def make_template(campaign: Campaign, *, by: User | None = None, paragraphs=None, **details):
    """An approved Word press release with fields, marked as a template."""
    from campaigns.models import LocalisedTemplate
    from lib import uploads

    material = make_material(
        campaign,
        kind=Material.Kind.PRESS_RELEASE,
        title=details.pop("title", "Press release to localise"),
        by=by,
        file_bytes=docx_bytes(paragraphs),
        filename="release.docx",
        content_type=uploads.DOCX,
        **details,
    )
    return LocalisedTemplate.objects.create(
        material=material, kind=LocalisedTemplate.Kind.PRESS_RELEASE, marked_by=by
    )


def make_help_seekers(force_area: ForceArea, year: int, *, website: int, helpline: int) -> None:
    """A year's help-seeker figures for an area, website and helpline."""
    from campaigns.models import Channel, HelpSeekerFigure

    for slug, position, count in (("website", 1, website), ("helpline", 2, helpline)):
        channel, _ = Channel.objects.get_or_create(
            slug=slug, defaults={"name": slug.title(), "position": position}
        )
        HelpSeekerFigure.objects.create(
            region=force_area.region,
            force_area=force_area,
            channel=channel,
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            count=count,
        )


def make_enforcement(campaign: Campaign, force: Organisation, **counts):
    from campaigns.models import EnforcementFigures

    defaults = {
        "search_warrants": 90,
        "offenders_charged": 85,
        "live_cases": 235,
        "referrals_change_percent": 100,
    }
    return EnforcementFigures.objects.create(
        campaign=campaign,
        organisation=force,
        period_start=date(2025, 6, 1),
        period_end=date(2026, 5, 31),
        **{**defaults, **counts},
    )
