"""People, campaigns and material for benchmarks, made directly with the ORM.

As tests/factories.py does, rows are created directly rather than through the portal's services, so
that setting up a benchmark is quick and measures nothing. Material files are made as they are
stored, in chunks, through the storage API (a folder or a bucket): a 200 MB film never passes
through memory or an upload. People get an unusable password (nothing to hash): the
environment signs them in by session.
"""

import csv
import functools
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from agencies.models import ForceArea, Membership, Organisation, Region, User
from bench.environment import Environment
from campaigns.impact.periods import add_months
from campaigns.models import (
    Activity,
    Campaign,
    CampaignPartner,
    Channel,
    Download,
    HelpSeekerFigure,
    Material,
    MaterialVersion,
)
from campaigns.models.material import material_path

CHUNK = 1024 * 1024

# The smallest MP4 start: an ftyp box naming the mp42 brand (24 bytes).
MP4_HEADER = bytes.fromhex("00000018667479706d703432000000006d70343269736f6d")


@dataclass
class Partner:
    """A campaign-running charity and a police force whose member takes part in its campaigns."""

    charity: Organisation
    organisation: Organisation
    user: User


@dataclass
class StoredFile:
    """Approved material with its file on disk."""

    material: Material
    version: MaterialVersion
    path: Path
    size: int


def partner_member(env: Environment, label: str) -> Partner:
    """A charity, a police force in its own force area, and a partner member of that force."""
    name = f"Bench {label} {env.token}"
    region = Region.objects.create(name=f"{name} region", slug=slugify(f"{name} region"))
    area = ForceArea.objects.create(
        name=f"{name} force area", slug=slugify(f"{name} force area"), region=region
    )
    charity = Organisation.objects.create(
        name=f"{name} charity", slug=slugify(f"{name} charity"), kind=Organisation.Kind.CHARITY
    )
    force = Organisation.objects.create(
        name=f"{name} police",
        slug=slugify(f"{name} police"),
        kind=Organisation.Kind.POLICE_FORCE,
        force_area=area,
    )
    user = User.objects.create_user(
        f"{slugify(label)}-{env.token}@bench.example", None, full_name=f"{name} member"
    )
    Membership.objects.create(user=user, organisation=force, role=Membership.Role.MEMBER)
    return Partner(charity=charity, organisation=force, user=user)


def campaign(env: Environment, label: str, partner: Partner) -> Campaign:
    """A live campaign run by the partner's charity, in which the partner's force takes part."""
    name = f"Bench {label} {env.token}"
    created = Campaign.objects.create(
        name=name,
        slug=slugify(name),
        lead_organisation=partner.charity,
        launch_date=timezone.localdate() - timedelta(days=7),
    )
    CampaignPartner.objects.create(campaign=created, organisation=partner.organisation)
    return created


def film(
    in_campaign: Campaign, *, title: str, filename: str, size: int, stamp: int = 0
) -> StoredFile:
    """An approved film for all partners: a tiny MP4 header and then random bytes, `size` in all.

    The bytes are one random MiB repeated, with `stamp` written after the header so that films
    made with different stamps differ.
    """
    material = Material.objects.create(
        campaign=in_campaign,
        owner_organisation=in_campaign.lead_organisation,
        kind=Material.Kind.FILM,
        title=title,
        audience=Material.Audience.ALL_PARTNERS,
    )
    version = MaterialVersion(
        material=material,
        number=1,
        original_filename=filename,
        content_type="video/mp4",
        size=size,
        status=MaterialVersion.Status.APPROVED,
        decided_at=timezone.now(),
    )
    generated = _Generated(size, start=MP4_HEADER + stamp.to_bytes(8, "big"))
    version.file.name = default_storage.save(
        material_path(version, filename), File(generated, name=filename)
    )
    version.sha256 = generated.digest.hexdigest()
    version.save()
    # The file on disk, for the benchmarks' plain-read baselines (local storage, as they run).
    path = Path(settings.MEDIA_ROOT) / version.file.name
    return StoredFile(material=material, version=version, path=path, size=size)


@functools.cache
def _random_mib() -> memoryview:
    return memoryview(os.urandom(CHUNK))


class _Generated(io.RawIOBase):
    """`size` bytes made as they are read (the start, then one random MiB repeated), hashed as
    they go: stored through the storage API, to a folder or a bucket, without sitting in memory."""

    def __init__(self, size: int, *, start: bytes) -> None:
        self.size = size
        self.position = 0
        self.start = start[:size]
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.position >= self.size:
            return 0
        if self.position < len(self.start):
            chunk = self.start[self.position :]
        else:
            offset = (self.position - len(self.start)) % CHUNK
            chunk = _random_mib()[offset:]
        count = min(len(chunk), len(buffer), self.size - self.position)
        buffer[:count] = chunk[:count]
        self.digest.update(chunk[:count])
        self.position += count
        return count


# --- A campaign at scale: many partners, their activity records and the region's figures ---------
# Built with bulk_create, or for the big tables straight into the table (insert_rows), in batches
# each made as it is written, so that a million rows never sit in memory; the builders return
# what the benchmark needs to find them again.

BULK_BATCH = 10_000


def insert_rows(model, rows: Iterable[dict], *, batch: int = BULK_BATCH) -> int:
    """Write rows into the model's table without making model instances: on PostgreSQL with COPY
    (CSV), elsewhere with one executemany per batch, all in one transaction. Each row maps column
    names (`campaign_id`) to values; a column left out gets its field's default, and a time set
    automatically (auto_now) the time of the call. Returns the number of rows written.

    Nothing is validated or signalled, as with bulk_create: the rows must be as the portal would
    store them (the database still checks its constraints)."""
    now = timezone.now()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    order = [
        (
            field.column,
            now
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            else field.get_default(),
        )
        for field in fields
    ]
    adapters = _adapters(fields)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column, _ in order)
    # In CSV an empty unquoted value is NULL; for columns that cannot be NULL it is the empty
    # string the portal stores.
    not_null = ", ".join(
        connection.ops.quote_name(field.column)
        for field in fields
        if not field.null and field.get_internal_type() in _TEXT
    )
    copy = f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv" + (
        f", FORCE_NOT_NULL ({not_null}))" if not_null else ")"
    )
    rows, written = iter(rows), 0
    with transaction.atomic(), connection.cursor() as cursor:
        while chunk := list(islice(rows, batch)):
            values = [[row.get(column, default) for column, default in order] for row in chunk]
            for number, adapt in adapters:
                for value in values:
                    value[number] = adapt(value[number])
            if connection.vendor == "postgresql":
                text = io.StringIO()
                csv.writer(text, lineterminator="\n").writerows(values)
                text.seek(0)
                cursor.copy_expert(copy, text)
            else:
                marks = ", ".join(["%s"] * len(order))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # noqa: S608 (names from the model)
            written += len(values)
    return written


_TEXT = {"CharField", "TextField", "SlugField", "EmailField", "URLField", "FileField"}


def _adapters(fields) -> list[tuple[int, Callable]]:
    """For each column whose Python values the driver (or CSV) does not take as they are, its
    position and what turns a value into what the database stores."""

    def moment(value):
        return None if value is None else connection.ops.adapt_datetimefield_value(value)

    def document(value):
        return None if value is None else json.dumps(value)

    def text(value):
        return None if value is None else str(value)

    chosen = []
    for number, field in enumerate(fields):
        kind = field.get_internal_type()
        if kind == "JSONField":
            chosen.append((number, document))
        elif kind == "UUIDField":
            chosen.append((number, text))
        elif kind == "DateTimeField" and connection.vendor != "postgresql":
            chosen.append((number, moment))
        elif kind == "DateField" and connection.vendor != "postgresql":
            chosen.append((number, text))
    return chosen


@dataclass
class ScaledRegion:
    """A region of force areas, each with a police force that has one partner member."""

    region: Region
    areas: list[ForceArea]
    forces: list[Organisation]
    members: list[User]
    charity: Organisation
    admin: User


def scaled_region(env: Environment, label: str, *, areas: int) -> ScaledRegion:
    """A charity with a campaign admin, and a region of `areas` force areas, each with its
    police force and one member of that force (two in three of whom have signed in)."""
    name = f"Bench {label} {env.token}"
    region = Region.objects.create(name=f"{name} region", slug=slugify(f"{name} region"))
    ForceArea.objects.bulk_create(
        ForceArea(name=f"{name} area {n:02}", slug=slugify(f"{name} area {n:02}"), region=region)
        for n in range(1, areas + 1)
    )
    made_areas = list(region.force_areas.order_by("name"))
    Organisation.objects.bulk_create(
        Organisation(
            name=f"{area.name} police",
            slug=slugify(f"{area.name} police"),
            kind=Organisation.Kind.POLICE_FORCE,
            force_area=area,
        )
        for area in made_areas
    )
    forces = list(Organisation.objects.filter(force_area__region=region).order_by("name", "pk"))
    charity = Organisation.objects.create(
        name=f"{name} charity", slug=slugify(f"{name} charity"), kind=Organisation.Kind.CHARITY
    )
    admin = User.objects.create_user(
        f"{slugify(label)}-admin-{env.token}@bench.example", None, full_name=f"{name} admin"
    )
    Membership.objects.create(user=admin, organisation=charity, role=Membership.Role.CAMPAIGN_ADMIN)
    now = timezone.now()
    members = []
    for number, force in enumerate(forces):
        member = User(
            email=f"{slugify(label)}-{number:02}-{env.token}@bench.example",
            full_name=f"{force.name} officer",
            last_login=now - timedelta(days=number) if number % 3 else None,
        )
        member.set_unusable_password()
        members.append(member)
    User.objects.bulk_create(members)
    members = list(
        User.objects.filter(email__endswith=f"-{env.token}@bench.example")
        .filter(email__startswith=f"{slugify(label)}-")
        .exclude(pk=admin.pk)
        .order_by("email")
    )
    Membership.objects.bulk_create(
        Membership(user=member, organisation=force, role=Membership.Role.MEMBER)
        for member, force in zip(members, forces, strict=True)
    )
    return ScaledRegion(region, made_areas, forces, members, charity, admin)


def scaled_campaign(env: Environment, label: str, world: ScaledRegion, *, launch_date) -> Campaign:
    """A campaign run by the region's charity in the region, with every force as a partner, and
    three approved pieces of material that each force downloaded."""
    name = f"Bench {label} {env.token}"
    made = Campaign.objects.create(
        name=name,
        slug=slugify(name),
        lead_organisation=world.charity,
        region=world.region,
        launch_date=launch_date,
    )
    CampaignPartner.objects.bulk_create(
        CampaignPartner(campaign=made, organisation=force) for force in world.forces
    )
    now = timezone.now()
    for number in range(1, 4):
        material = Material.objects.create(
            campaign=made,
            owner_organisation=world.charity,
            kind=Material.Kind.SUGGESTED_POST,
            title=f"Suggested post {number}",
            audience=Material.Audience.ALL_PARTNERS,
        )
        version = MaterialVersion.objects.create(
            material=material,
            number=1,
            text=f"Suggested post {number}: call Stop it Now! on 0808 1000 900.",
            status=MaterialVersion.Status.APPROVED,
            decided_at=now,
        )
        Download.objects.bulk_create(
            Download(
                material=material,
                version=version,
                user=member,
                organisation=force,
                downloaded_at=now - timedelta(days=number),
            )
            for member, force in zip(world.members, world.forces, strict=True)
        )
    return made


def activity_records(
    in_campaign: Campaign, world: ScaledRegion, *, count: int, first_day, days: int
) -> int:
    """`count` activity records spread evenly over the region's forces, the types and `days` days
    from `first_day`. Returns the count."""
    return activity_records_for(
        in_campaign,
        list(zip(world.forces, world.members, strict=True)),
        count=count,
        first_day=first_day,
        days=days,
    )


def activity_records_for(
    in_campaign: Campaign,
    partners: Sequence[tuple[Organisation, User | None]],
    *,
    count: int,
    first_day,
    days: int,
) -> int:
    """`count` activity records spread evenly over the partners (each organisation's records
    logged by its member, if any, in its force area), the types and `days` days from `first_day`,
    written straight into the table (see insert_rows). Returns the count."""
    types = list(Activity.Type.values)
    reaches = {Activity.Type.SOCIAL_POST, Activity.Type.PRESS_RELEASE, Activity.Type.INTERVIEW}
    who = [
        (organisation.pk, member.pk if member else None, organisation.force_area_id)
        for organisation, member in partners
    ]
    stamp = timezone.now()

    def record(number: int) -> dict:
        organisation, member, area = who[number % len(who)]
        kind = types[(number // len(who)) % len(types)]
        started = first_day + timedelta(days=(number * 7919) % days)
        reached = kind in reaches
        return {
            "campaign_id": in_campaign.pk,
            "organisation_id": organisation,
            "logged_by_id": member,
            "activity_type": kind,
            "started_on": started,
            "ended_on": started + timedelta(days=14) if kind == Activity.Type.POSTERS else None,
            "channel": "Facebook" if reached else "",
            "quantity": (number % 40) + 1,
            "reach": (number % 5000) * 10 if reached else None,
            "reach_source": Activity.ReachSource.PLATFORM if reached else "",
            "force_area_id": area,
            "place": f"Place {number % 200}",
            "created_at": stamp,
            "updated_at": stamp,
        }

    return insert_rows(Activity, (record(number) for number in range(count)))


def link_material(in_campaign: Campaign, *, every: int = 10, materials=None) -> int:
    """Every `every`-th record of the campaign that uses no material yet used one of its pieces
    of material (or of the pieces given). Returns the number of links made."""
    through = Activity.materials.through
    chosen = materials if materials is not None else in_campaign.materials.all()
    pks = list(chosen.order_by("pk").values_list("pk", flat=True))
    ids = list(
        Activity.objects.filter(campaign=in_campaign, materials=None)
        .order_by("pk")
        .values_list("pk", "organisation_id")
    )[::every]
    return insert_rows(
        through,
        (
            {"activity_id": pk, "material_id": pks[number % len(pks)], "organisation_id": owner}
            for number, (pk, owner) in enumerate(ids)
        ),
    )


def monthly_figures(world: ScaledRegion, *, last_month, months: int) -> int:
    """Help-seeker figures for every area of the region, for the website and the helpline, one a
    month for `months` months up to `last_month` (the first of a month), in every month no
    figure of the area and channel covers yet. Returns the count."""
    website, _ = Channel.objects.get_or_create(
        slug="website", defaults={"name": "Website", "position": 1}
    )
    helpline, _ = Channel.objects.get_or_create(
        slug="helpline", defaults={"name": "Helpline", "position": 2}
    )
    # A region that has figures already (the demo's) keeps them: figures of one area and
    # channel never overlap.
    taken: dict[tuple, list] = {}
    for area_id, channel_id, start, end in HelpSeekerFigure.objects.filter(
        region=world.region
    ).values_list("force_area_id", "channel_id", "period_start", "period_end"):
        taken.setdefault((area_id, channel_id), []).append((start, end))
    rows = []
    for back in range(months):
        first = add_months(last_month, -back)
        last = add_months(first, 1) - timedelta(days=1)
        for number, area in enumerate(world.areas):
            for channel, base in ((website, 40), (helpline, 6)):
                spans = taken.get((area.pk, channel.pk), [])
                if any(start <= last and end >= first for start, end in spans):
                    continue
                rows.append(
                    HelpSeekerFigure(
                        region=world.region,
                        force_area=area,
                        channel=channel,
                        period_start=first,
                        period_end=last,
                        count=base + (number * 7 + back * 3) % (base // 2 + 1),
                    )
                )
    HelpSeekerFigure.objects.bulk_create(rows, batch_size=BULK_BATCH)
    return len(rows)
