"""The seeds' regions, force areas and organisations, and one demo sign-in per kind of user."""

from base64 import b32decode
from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import ForceArea, Membership, Organisation, Region, User

DEMO_PASSWORD = "partner-demo-pass"  # noqa: S105 - published in the README for the demo only
# The demo campaign admin's authenticator key, published in the README so anyone can add it to an
# authenticator app (or run `manage.py demo_code`) and sign in with two steps.
DEMO_TOTP_SECRET = "CAMPAIGNPORTALDEMOSECRETKEY23456"  # noqa: S105

REGIONS = {"south-west-england": "South West England", "scotland": "Scotland"}

FORCE_AREAS = [
    ("avon-and-somerset", "Avon and Somerset", "south-west-england"),
    ("devon-and-cornwall", "Devon and Cornwall", "south-west-england"),
    ("wiltshire", "Wiltshire", "south-west-england"),
    ("dorset", "Dorset", "south-west-england"),
    ("gloucestershire", "Gloucestershire", "south-west-england"),
    ("scotland", "Scotland", "scotland"),
]

CHARITY = "the-lucy-faithfull-foundation"

# slug, name, kind, force area slug, region slug, website
ORGANISATIONS = [
    (
        CHARITY,
        "The Lucy Faithfull Foundation",
        Organisation.Kind.CHARITY,
        None,
        None,
        "https://www.lucyfaithfull.org.uk",
    ),
    (
        "avon-and-somerset-police",
        "Avon and Somerset Police",
        Organisation.Kind.POLICE_FORCE,
        "avon-and-somerset",
        None,
        "",
    ),
    (
        "devon-and-cornwall-police",
        "Devon and Cornwall Police",
        Organisation.Kind.POLICE_FORCE,
        "devon-and-cornwall",
        None,
        "",
    ),
    ("wiltshire-police", "Wiltshire Police", Organisation.Kind.POLICE_FORCE, "wiltshire", None, ""),
    ("dorset-police", "Dorset Police", Organisation.Kind.POLICE_FORCE, "dorset", None, ""),
    (
        "gloucestershire-constabulary",
        "Gloucestershire Constabulary",
        Organisation.Kind.POLICE_FORCE,
        "gloucestershire",
        None,
        "",
    ),
    (
        "south-somerset-district-council",
        "South Somerset District Council",
        Organisation.Kind.COUNCIL,
        "avon-and-somerset",
        None,
        "",
    ),
    (
        "south-west-regional-organised-crime-unit",
        "South West Regional Organised Crime Unit",
        Organisation.Kind.OTHER_AGENCY,
        None,
        "south-west-england",
        "",
    ),
    (
        "avon-and-somerset-police-and-crime-commissioner",
        "Avon and Somerset Police and Crime Commissioner",
        Organisation.Kind.OTHER_AGENCY,
        "avon-and-somerset",
        None,
        "",
    ),
    ("police-scotland", "Police Scotland", Organisation.Kind.POLICE_FORCE, "scotland", None, ""),
]

# e-mail, full name, organisation slug, role
SIGN_INS = [
    ("charity.admin@demo.example", "Helen Marsh", CHARITY, Membership.Role.CAMPAIGN_ADMIN),
    ("police.comms@demo.example", "Sam Okafor", "avon-and-somerset-police", Membership.Role.MEMBER),
    (
        "council.officer@demo.example",
        "Gwen Hollis",
        "south-somerset-district-council",
        Membership.Role.MEMBER,
    ),
    ("devon.comms@demo.example", "Rory Penhale", "devon-and-cornwall-police", Membership.Role.LEAD),
]


@dataclass
class Cast:
    regions: dict[str, Region]
    force_areas: dict[str, ForceArea]
    organisations: dict[str, Organisation]
    users: dict[str, User]


def load(summary) -> Cast:
    regions = {}
    for slug, name in REGIONS.items():
        regions[slug], created = Region.objects.get_or_create(slug=slug, defaults={"name": name})
        summary.add("regions", created)

    force_areas = {}
    for slug, name, region_slug in FORCE_AREAS:
        force_areas[slug], created = ForceArea.objects.get_or_create(
            slug=slug, defaults={"name": name, "region": regions[region_slug]}
        )
        summary.add("force areas", created)

    organisations = {}
    for slug, name, kind, area_slug, region_slug, website in ORGANISATIONS:
        organisations[slug], created = Organisation.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "force_area": force_areas.get(area_slug),
                "region": regions.get(region_slug),
                "website": website,
            },
        )
        summary.add("organisations", created)

    users = {}
    for email, full_name, organisation_slug, role in SIGN_INS:
        user = User.objects.filter(email=email).first()
        summary.add("people", user is None)
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
        users[email] = user
        _, created = Membership.objects.get_or_create(
            user=user, organisation=organisations[organisation_slug], defaults={"role": role}
        )
        summary.add("memberships", created)
    admin = users["charity.admin@demo.example"]
    _, created = TOTPDevice.objects.get_or_create(
        user=admin,
        defaults={
            "name": "Demo authenticator",
            "key": b32decode(DEMO_TOTP_SECRET).hex(),
            "confirmed": True,
            "tolerance": 0,
        },
    )
    summary.add("authenticators", created)
    return Cast(regions, force_areas, organisations, users)
