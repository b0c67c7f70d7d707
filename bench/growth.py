"""Growth: a partner's pages at the seeds' scale and at 100 times it, the last page of each list
against its first, and each figure the dashboards aggregate against one hand-written SQL query.

The cost of a page must not grow with the data. So the same pages are measured, signed in as the
same partner member of the demo (police.comms@demo.example, Avon and Somerset Police), twice:

- at the seeds' scale (1x): the demo (`manage.py load_demo --force`);
- at 100x: the demo grown as a national campaign would grow it. The South West region gets 45
  force areas (40 new ones, each with a police force); 400 councils in those areas join the
  South West campaign beside the 40 forces, each with a member; the partners that joined own
  10,000 pieces of material (text, for their own organisation; one in ten waiting for review);
  each downloaded three of the charity's; 1,000,000 activity records (BENCH_GROWTH_RECORDS) are
  spread evenly over every partner, the nine types and two years, every tenth using a piece of
  the charity's material; the region's 45 areas have 10 years of monthly figures for the website
  and the helpline (10,800, the demo's own kept); and the campaign's audit trail gets 100,000
  entries. The big tables are written straight into the database (COPY on PostgreSQL, see
  data.insert_rows), then the planner's statistics refreshed (and PostgreSQL's tables vacuumed,
  as autovacuum would after a bulk load).

Each page is requested in this process (django.test.Client) as bench/floor.py does: its queries
counted and its server time the median of BENCH_GROWTH_REPEATS (15) requests after a warm-up,
fewer (at least 3) once they have taken BENCH_GROWTH_SECONDS (5); the statements of one request
are compared between the scales with their values taken out ("same queries"). The demo is
copied before it grows (SQLite's backup; PostgreSQL's CREATE DATABASE ... TEMPLATE), and each
page and aggregate is timed on the copy (1x) and the grown database (100x) in turn, request by
request, so that the machine's load changes both alike. Then, at 100x,
each list's last page (the link its first page gives) against its first; and each aggregate a
dashboard shows, computed by the portal's own code, against ONE hand-written SQL query
(django.db.connection.cursor()) computing the same figures over the same rows, timed the same
way, the figures checked equal.

The copy is taken before anything grows, so this benchmark must find the demo as it loads (on
a database kept between runs, make a fresh one). Other benchmarks' data, in their own
campaigns, may be in the database too: it is counted in the first line.

The goals (issue: fast pages, growth) are printed beside the figures as targets, not asserted.
"""

import os
import re
import sqlite3
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from agencies.models import ForceArea, Membership, Organisation, User
from audit.models import AuditEntry
from bench import data, floor
from bench.environment import BenchError, Environment
from bench.measure import verdict
from bench.pages import _table
from campaigns.demo.campaign_setup import SOUTH_WEST
from campaigns.impact.periods import Window, add_months
from campaigns.models import (
    Activity,
    Campaign,
    CampaignPartner,
    Download,
    HelpSeekerFigure,
    Material,
    MaterialVersion,
)

PARTNER_EMAIL = floor.PARTNER_EMAIL
ADMIN_EMAIL = "charity.admin@demo.example"
AREAS = 45
COUNCILS = 400
MATERIAL = 10_000
RECORDS = int(os.environ.get("BENCH_GROWTH_RECORDS", "1000000"))
FIGURE_YEARS = 10
AUDIT_ENTRIES = 100_000
REPEATS = int(os.environ.get("BENCH_GROWTH_REPEATS", "15"))
LEAST_REPEATS = 3
BUDGET_SECONDS = float(os.environ.get("BENCH_GROWTH_SECONDS", "5"))
LABEL = "Growth"

# The goals.
GROWTH_TARGET = 1.3  # a page at 100x, of its time at 1x, with the same queries
LAST_PAGE_TARGET = 1.5  # a list's last page, of its first
SQL_TARGET = 1.2  # an aggregate, of the one hand-written SQL query computing it


@dataclass
class PageRun:
    """One page at one scale: its status, query count, statements and server time."""

    status: int
    queries: int
    statements: list[str]
    server_ms: float


@dataclass
class Page:
    name: str
    path: str
    runs: dict[str, PageRun] = field(default_factory=dict)


@dataclass
class Aggregate:
    """A figure a dashboard shows: the portal's code, and one SQL query computing the same."""

    name: str
    portal: Callable[[], object]
    # Both give the figures as the same value (a dict or a number), so that they can be compared.
    sql: Callable[[], object]
    portal_ms: dict[str, float] = field(default_factory=dict)
    sql_ms: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    same: dict[str, bool] = field(default_factory=dict)


def run(env: Environment) -> list[str]:
    started = time.perf_counter()
    env.manage("load_demo", "--force")
    campaign = Campaign.objects.get(slug=SOUTH_WEST)
    if Organisation.objects.filter(name__startswith=f"{LABEL} ").exists():
        raise BenchError(
            "The database holds a demo grown by an earlier run, so the seeds' scale cannot be "
            "measured: run this benchmark on a fresh database."
        )
    lines = [
        f"The demo loaded (manage.py load_demo --force) in {time.perf_counter() - started:.1f} s; "
        f"the database holds {Activity.objects.count():,} activity records in all",
    ]
    partner = User.objects.get(email=PARTNER_EMAIL)
    admin = User.objects.get(email=ADMIN_EMAIL)
    pages = _pages(campaign)
    aggregates = _aggregates(campaign, admin)
    stages: list[str] = []

    def stage(what: str, measure: Callable[[], object]) -> object:
        begun = time.perf_counter()
        result = measure()
        stages.append(f"   {what:<66}{time.perf_counter() - begun:7.1f} s")
        return result

    # The demo is copied before it grows, and each page and figure is then measured on the
    # copy and on the grown database in turn, request by request: a machine whose load changes
    # while the benchmark runs changes both scales alike, so their ratio holds.
    cookies = env.sign_in(partner)
    copy = stage("the demo copied, to measure beside its growth", _copy_database)
    lines += ["", "Growing the demo to 100x (bulk_create; the big tables with insert_rows):"]
    lines += _grow(env, campaign)
    own = Activity.objects.filter(organisation__in=partner.organisation_ids).count()
    lines.append(f"   {partner.email} may now see {own:,} activity records of its own")
    try:
        with _side_by_side(copy) as scales:
            for page in pages:
                stage(f"{page.name}, 1x and 100x", lambda p=page: _measure_page(p, cookies, scales))
            stage(
                "aggregates, 1x and 100x",
                lambda: [_time_aggregate(aggregate, scales) for aggregate in aggregates],
            )
    finally:
        _drop_copy(copy)
    # Sessions may have passed their idle limit while the scales were measured.
    lists = stage(
        "lists at 100x",
        lambda: _lists(campaign, env.sign_in(partner), env.sign_in(admin)),
    )

    lines += [
        "",
        f"in-process (django.test.Client, {connection.vendor}): queries of one request; server "
        f"time the median of {REPEATS} requests after a warm-up",
        f"(fewer when they take over {BUDGET_SECONDS:g} s, at least {LEAST_REPEATS}), at 1x (a "
        "copy of the demo made before it grew) and at 100x in turn,",
        "request by request; aggregates the same way, the portal's code and one SQL query "
        "through connection.cursor(), on the same rows. Measuring took:",
        *stages,
        "",
    ]
    lines += _page_lines(pages)
    lines += _list_lines(lists)
    lines += _aggregate_lines(aggregates)
    return lines


def _timed(work: Callable[[], object], scales: "Scales") -> dict[str, tuple[float, object]]:
    """At each scale, the median time of REPEATS runs of work after one to warm up (fewer, but
    at least LEAST_REPEATS, once they have taken BUDGET_SECONDS), in ms, and what its last run
    gave. The scales take turns, run by run."""
    answers = {}
    for scale in scales:
        with scales.on(scale):
            answers[scale] = work()
    seconds: dict[str, list[float]] = {scale: [] for scale in scales}
    spent = 0.0
    while len(seconds["1x"]) < REPEATS and (
        spent < BUDGET_SECONDS or len(seconds["1x"]) < LEAST_REPEATS
    ):
        for scale in scales:
            with scales.on(scale):
                begun = time.perf_counter()
                answers[scale] = work()
                seconds[scale].append(time.perf_counter() - begun)
                spent += seconds[scale][-1]
    return {scale: (statistics.median(seconds[scale]) * 1000, answers[scale]) for scale in scales}


class Scales:
    """The demo's copy (1x) and the grown database (100x), either made Django's default
    connection in turn; each keeps its own connection open, and so its own page cache."""

    def __init__(self, copy: str):
        self.grown = connections[DEFAULT_DB_ALIAS]
        settings = {**self.grown.settings_dict, "NAME": copy}
        self.seeds = self.grown.__class__(settings, DEFAULT_DB_ALIAS)
        self.connections = {"1x": self.seeds, "100x": self.grown}

    def __iter__(self):
        return iter(self.connections)

    @contextmanager
    def on(self, scale: str):
        connections[DEFAULT_DB_ALIAS] = self.connections[scale]
        try:
            yield
        finally:
            connections[DEFAULT_DB_ALIAS] = self.grown


@contextmanager
def _side_by_side(copy: str):
    scales = Scales(copy)
    try:
        yield scales
    finally:
        scales.seeds.close()


def _copy_database() -> str:
    """A copy of the database as it is now: its name (PostgreSQL) or file (SQLite)."""
    if connection.vendor == "sqlite":
        path = f"{connection.settings_dict['NAME']}-seeds"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return path
    name = f"{connection.settings_dict['NAME']}_seeds"
    # A database is copied from a template nobody is connected to.
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{connection.settings_dict["NAME"]}"')
    return name


def _drop_copy(copy: str) -> None:
    if connection.vendor == "sqlite":
        Path(copy).unlink(missing_ok=True)
        return
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{copy}"')


# --- The pages ----------------------------------------------------------------------------------
def _pages(campaign: Campaign) -> list[Page]:
    version = (
        MaterialVersion.objects.filter(
            material__campaign=campaign, status=MaterialVersion.Status.APPROVED
        )
        .exclude(preview="")
        .order_by("material__title", "pk")
        .first()
    )
    if version is None:
        raise BenchError("The demo campaign has no approved material with a preview.")
    slug = campaign.slug
    return [
        Page("home", reverse("home")),
        Page("campaign overview", reverse("campaigns:campaign-detail", args=[slug])),
        Page("toolkit", reverse("campaigns:toolkit", args=[slug])),
        Page("material page", reverse("campaigns:material-detail", args=[version.material_id])),
        Page("activity list", reverse("campaigns:activity-list")),
        Page("readiness", reverse("campaigns:readiness", args=[slug])),
        Page("impact", reverse("campaigns:impact", args=[slug])),
    ]


def _measure(path: str, cookies: dict[str, str]) -> PageRun:
    """The page's queries, the statements of one request and its server time, in this process
    as bench/floor.py measures them."""
    client = floor._client(cookies)
    statements = _statements(client, path)
    server_ms = _median_ms(lambda: floor._get(client, path))
    return PageRun(200, len(statements), statements, server_ms)


def _measure_page(page: Page, cookies: dict[str, str], scales: Scales) -> None:
    """The page at both scales, as _measure does, timed in turn."""
    client = floor._client(cookies)
    statements = {}
    for scale in scales:
        with scales.on(scale):
            statements[scale] = _statements(client, page.path)
    timed = _timed(lambda: floor._get(client, page.path), scales)
    for scale in scales:
        page.runs[scale] = PageRun(200, len(statements[scale]), statements[scale], timed[scale][0])


def _statements(client, path: str) -> list[str]:
    """The statements of one request of the page (after one to warm up), without values."""
    floor._get(client, path)
    with CaptureQueriesContext(connection) as captured:
        response = floor._get(client, path)
    if response.status_code != 200:
        raise BenchError(f"GET {path} answered {response.status_code} in-process.")
    return [_shape(query["sql"]) for query in captured.captured_queries]


def _median_ms(work: Callable[[], object]) -> float:
    """The median time of REPEATS runs of work after one to warm up, as _timed, at one scale."""
    work()
    seconds: list[float] = []
    while len(seconds) < REPEATS and (
        sum(seconds) < BUDGET_SECONDS or len(seconds) < LEAST_REPEATS
    ):
        begun = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - begun)
    return statistics.median(seconds) * 1000


_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_LIST = re.compile(r"\((?:\s*\?\s*,)+\s*\?\s*\)")
_CURSOR = re.compile(r"_django_curs_\w+")


def _shape(sql: str) -> str:
    """A statement without its values: the same query with other values, or a longer IN list,
    has the same shape."""
    shape = _NUMBER.sub("?", _STRING.sub("?", _CURSOR.sub("cursor", " ".join(sql.split()))))
    return _LIST.sub("(?)", shape)


# --- Growing ------------------------------------------------------------------------------------
def _grow(env: Environment, campaign: Campaign) -> list[str]:
    lines: list[str] = []

    def timed(what: str, build: Callable[[], object]) -> object:
        begun = time.perf_counter()
        result = build()
        seconds = time.perf_counter() - begun
        count = result if isinstance(result, int) else len(result)
        lines.append(f"   {what:<66}{seconds:7.1f} s ({count / seconds:,.0f} rows/s)")
        return result

    region = campaign.region
    today = timezone.localdate()
    areas = timed(f"force areas: the South West grows to {AREAS}", lambda: _areas(region, AREAS))
    joined = timed(
        f"{AREAS - 5} police forces and {COUNCILS} councils join, a member each",
        lambda: _partners(env, campaign, areas),
    )
    timed(
        f"{MATERIAL:,} pieces of their own material, one version each",
        lambda: _material(campaign, joined),
    )
    charity_material = Material.objects.filter(
        campaign=campaign, owner_organisation=campaign.lead_organisation
    )
    timed(
        "three downloads of the charity's material by each partner that joined",
        lambda: _downloads(charity_material, joined),
    )
    everyone = _everyone(campaign)
    timed(
        f"{RECORDS:,} activity records over {len(everyone)} partners and 2 years",
        lambda: data.activity_records_for(
            campaign, everyone, count=RECORDS, first_day=today - timedelta(days=729), days=730
        ),
    )
    timed(
        "every tenth record uses a piece of the charity's material",
        lambda: data.link_material(campaign, materials=charity_material),
    )
    world = data.ScaledRegion(region, areas, [], [], campaign.lead_organisation, None)
    timed(
        f"help-seeker figures: {AREAS} areas x {FIGURE_YEARS} years x 12 months x 2 channels",
        lambda: data.monthly_figures(
            world, last_month=add_months(today.replace(day=1), -1), months=FIGURE_YEARS * 12
        ),
    )
    timed(
        f"{AUDIT_ENTRIES:,} audit entries in the campaign",
        lambda: _audit_entries(campaign, everyone, today),
    )
    _analyse()
    figures = HelpSeekerFigure.objects.filter(region=region).count()
    lines.append(
        f"   (the region now has {figures:,} figures; the campaign "
        f"{campaign.partners.count()} partners, {campaign.materials.count():,} pieces of "
        f"material, {campaign.activities.count():,} records)"
    )
    return lines


def _areas(region, count: int) -> list[ForceArea]:
    have = region.force_areas.count()
    ForceArea.objects.bulk_create(
        ForceArea(name=f"{LABEL} area {n:02}", slug=f"growth-area-{n:02}", region=region)
        for n in range(have + 1, count + 1)
    )
    return list(region.force_areas.order_by("name"))


def _partners(env: Environment, campaign: Campaign, areas: list[ForceArea]) -> list:
    """The forces of the new areas and the councils join the campaign; each has one member."""
    new_areas = [area for area in areas if area.name.startswith(LABEL)]
    made = [
        Organisation(
            name=f"{area.name} police",
            slug=slugify(f"{area.name} police"),
            kind=Organisation.Kind.POLICE_FORCE,
            force_area=area,
        )
        for area in new_areas
    ] + [
        Organisation(
            name=f"{LABEL} council {n:03}",
            slug=f"growth-council-{n:03}",
            kind=Organisation.Kind.COUNCIL,
            force_area=areas[n % len(areas)],
        )
        for n in range(1, COUNCILS + 1)
    ]
    Organisation.objects.bulk_create(made)
    organisations = list(Organisation.objects.filter(name__startswith=f"{LABEL} ").order_by("pk"))
    CampaignPartner.objects.bulk_create(
        CampaignPartner(campaign=campaign, organisation=organisation)
        for organisation in organisations
    )
    now = timezone.now()
    people = []
    for number, organisation in enumerate(organisations):
        person = User(
            email=f"growth-{number:03}-{env.token}@bench.example",
            full_name=f"{organisation.name} officer",
            last_login=now - timedelta(days=number % 30) if number % 3 else None,
        )
        person.set_unusable_password()
        people.append(person)
    User.objects.bulk_create(people)
    people = list(User.objects.filter(email__startswith="growth-").order_by("email"))
    Membership.objects.bulk_create(
        Membership(user=person, organisation=organisation, role=Membership.Role.MEMBER)
        for person, organisation in zip(people, organisations, strict=True)
    )
    return list(zip(organisations, people, strict=True))


def _material(campaign: Campaign, joined: list) -> int:
    """Each partner that joined submitted its own suggested posts and key messages, for itself;
    nine in ten are approved, the rest wait for review."""
    now = timezone.now()
    kinds = [Material.Kind.SUGGESTED_POST, Material.Kind.KEY_MESSAGES]
    Material.objects.bulk_create(
        (
            Material(
                campaign=campaign,
                owner_organisation=joined[n % len(joined)][0],
                created_by=joined[n % len(joined)][1],
                kind=kinds[n % 2],
                title=f"{LABEL} local message {n:05}",
                audience=Material.Audience.NAMED_ORGANISATIONS,
            )
            for n in range(MATERIAL)
        ),
        batch_size=data.BULK_BATCH,
    )
    made = list(
        Material.objects.filter(campaign=campaign, title__startswith=f"{LABEL} ")
        .order_by("pk")
        .values_list("pk", "owner_organisation_id", "created_by_id")
    )
    through = Material.audience_organisations.through
    data.insert_rows(
        through, ({"material_id": pk, "organisation_id": owner} for pk, owner, _ in made)
    )
    approved, waiting = MaterialVersion.Status.APPROVED, MaterialVersion.Status.IN_REVIEW
    data.insert_rows(
        MaterialVersion,
        (
            {
                "material_id": pk,
                "number": 1,
                "text": f"Local message {n}: call Stop it Now! on 0808 1000 900.",
                "status": waiting if n % 10 == 9 else approved,
                "uploaded_by_id": person,
                "uploaded_at": now - timedelta(hours=n),
                "decided_at": None if n % 10 == 9 else now - timedelta(hours=n),
            }
            for n, (pk, _, person) in enumerate(made)
        ),
    )
    return len(made)


def _downloads(charity_material, joined: list) -> int:
    versions = list(
        MaterialVersion.objects.filter(
            material__in=charity_material, status=MaterialVersion.Status.APPROVED
        ).order_by("material__title")[:3]
    )
    now = timezone.now()
    Download.objects.bulk_create(
        Download(
            material_id=version.material_id,
            version=version,
            user=person,
            organisation=organisation,
            downloaded_at=now - timedelta(days=number),
        )
        for organisation, person in joined
        for number, version in enumerate(versions)
    )
    return len(joined) * len(versions)


def _everyone(campaign: Campaign) -> list:
    """Every partner, with the member who logs its records (none for a partner without one)."""
    partners = list(campaign.partners.select_related("organisation").order_by("organisation__pk"))
    members = {}
    for membership in Membership.objects.filter(
        organisation__in=[partner.organisation for partner in partners]
    ).order_by("pk"):
        members.setdefault(membership.organisation_id, membership.user)
    return [(partner.organisation, members.get(partner.organisation_id)) for partner in partners]


def _audit_entries(campaign: Campaign, everyone: list, today: date) -> int:
    now = timezone.now()
    label = Activity.Type.SOCIAL_POST.label
    return data.insert_rows(
        AuditEntry,
        (
            {
                "at": now - timedelta(minutes=n * 10),
                "action": AuditEntry.Action.ACTIVITY_LOGGED,
                "actor_id": getattr(everyone[n % len(everyone)][1], "pk", None),
                "organisation_id": everyone[n % len(everyone)][0].pk,
                "campaign_id": campaign.pk,
                "target_repr": f"{label} by {everyone[n % len(everyone)][0]} on {today}",
                "data": {},
            }
            for n in range(AUDIT_ENTRIES)
        ),
    )


def _analyse() -> None:
    """Fresh statistics for the planner and, on PostgreSQL, the tables vacuumed, as autovacuum
    would leave them after a bulk load (the visibility map set, so that an index can answer a
    count alone); SQLite has statistics only when asked."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# --- The lists ----------------------------------------------------------------------------------
@dataclass
class Listed:
    name: str
    first: PageRun
    last: PageRun | None
    last_path: str


_LAST_LINK = re.compile(r'href="([^"]*[?&](?:amp;)?page=last[^"]*)"')
_PAGE_OF = re.compile(r"Page 1 of ([\d,]+)")


def _last_page(path: str, html: str) -> str | None:
    """The address of the list's last page, from its first: a link to it, else a page number."""
    link = _LAST_LINK.search(html)
    if link:
        query = link.group(1).replace("&amp;", "&")
        return path.split("?")[0] + query if query.startswith("?") else query
    pages = _PAGE_OF.search(html)
    if pages and pages.group(1) != "1":
        joiner = "&" if "?" in path else "?"
        return f"{path}{joiner}page={pages.group(1).replace(',', '')}"
    return None


def _lists(campaign: Campaign, cookies: dict[str, str], admin_cookies: dict[str, str]):
    lists = [
        ("activity list, the partner", reverse("campaigns:activity-list"), cookies),
        ("activity list, the campaign admin", reverse("campaigns:activity-list"), admin_cookies),
        (
            "activity list, the admin, one type",
            f"{reverse('campaigns:activity-list')}?campaign={campaign.slug}&activity_type=event",
            admin_cookies,
        ),
        ("audit trail, the campaign admin", reverse("audit-trail"), admin_cookies),
        ("review queue, the campaign admin", reverse("campaigns:review-queue"), admin_cookies),
        ("toolkit, the partner", reverse("campaigns:toolkit", args=[campaign.slug]), cookies),
        # The first page of the campaign's 10,000 pieces: what a national campaign's admin
        # opens, and their home page beside it (not a list: what needs their attention).
        (
            "toolkit, the campaign admin",
            reverse("campaigns:toolkit", args=[campaign.slug]),
            admin_cookies,
        ),
        ("home, the campaign admin", reverse("home"), admin_cookies),
        # Not lists of pages, but each row or choice one of the campaign's 448 partners.
        (
            "readiness, the campaign admin",
            reverse("campaigns:readiness", args=[campaign.slug]),
            admin_cookies,
        ),
        (
            "impact, the campaign admin",
            reverse("campaigns:impact", args=[campaign.slug]),
            admin_cookies,
        ),
        (
            "adding material, the campaign admin",
            reverse("campaigns:material-add", args=[campaign.slug]),
            admin_cookies,
        ),
        (
            "evaluation report, the campaign admin",
            reverse("campaigns:evaluation", args=[campaign.slug]),
            admin_cookies,
        ),
    ]
    measured = []
    for name, path, who in lists:
        first = _measure(path, who)
        html = floor._get(floor._client(who), path).content.decode()
        last_path = _last_page(path, html)
        last = _measure(last_path, who) if last_path else None
        measured.append(Listed(name, first, last, last_path or ""))
    return measured


# --- The aggregates -----------------------------------------------------------------------------
def _aggregates(campaign: Campaign, admin: User) -> list[Aggregate]:
    from campaigns.exports import count_activity, filter_activity
    from campaigns.impact.areas import area_table
    from campaigns.impact.effect import area_launch_dates, campaign_effect
    from campaigns.impact.report import impact_figures
    from campaigns.readiness import readiness_for
    from campaigns.services.visits import visits_by_partner
    from campaigns.views.impact import (
        activity_by_month,
        months_before_launch_month,
        timeline_months,
    )

    region = campaign.region
    table_window = months_before_launch_month(campaign.launch_date, 12)
    launch = campaign.launch_date
    windows = [Window.months_before(launch, 3), Window.months_after(launch, 3)]
    windows += [window.year_earlier() for window in windows]
    today = timezone.localdate()

    def readiness_portal():
        return {
            (row.organisation.pk, kind): (n, row.last_activity, row.activity_since_launch)
            for row in readiness_for(campaign)
            for kind, n in row.activity_by_type.items()
        }

    def readiness_sql():
        got: dict[tuple, tuple] = {}
        lasts: dict[int, object] = {}
        since: dict[int, int] = {}
        for organisation, kind, n, last, launched in _readiness_sql(campaign, today):
            got[(organisation, kind)] = n
            last = date.fromisoformat(last) if isinstance(last, str) else last
            if last is not None:
                lasts[organisation] = max(last, lasts.get(organisation, last))
            since[organisation] = since.get(organisation, 0) + launched
        return {key: (n, lasts.get(key[0]), since.get(key[0], 0)) for key, n in got.items()}

    def table_portal():
        return _table_counts(area_table(region, table_window))

    def table_sql():
        return {
            (area, channel): total
            for area, channel, total in _rows(
                f'SELECT force_area_id, channel_id, SUM("count") FROM {_table(HelpSeekerFigure)} '  # noqa: S608 (table names from the models; values as parameters)
                "WHERE region_id = %s AND period_start >= %s AND period_end <= %s "
                "GROUP BY force_area_id, channel_id",
                [region.pk, table_window.start, table_window.end],
            )
        }

    def kept():
        # What the impact page reads: the same work, kept until a figure changes (the first
        # call, the warm-up, works it out).
        return impact_figures(
            campaign,
            months=3,
            window=table_window,
            launches=area_launch_dates(campaign),
            timeline=timeline_months(campaign),
        )

    def kept_table_portal():
        return _table_counts(kept().table)

    def kept_effect_portal():
        return _effect_sums(kept().effect)

    def effect_portal():
        return _effect_sums(campaign_effect(campaign, months=3))

    def effect_sql():
        sums = ", ".join(
            'SUM(CASE WHEN period_start >= %s AND period_end <= %s THEN "count" END)'
            for _ in windows
        )
        params = [day for window in windows for day in (window.start, window.end)]
        return {
            area: tuple(values)
            for area, *values in _rows(
                f"SELECT force_area_id, {sums} FROM {_table(HelpSeekerFigure)} "  # noqa: S608 (table names from the models; values as parameters)
                "WHERE region_id = %s AND period_start >= %s AND period_end <= %s "
                "GROUP BY force_area_id",
                [
                    *params,
                    region.pk,
                    min(window.start for window in windows),
                    max(window.end for window in windows),
                ],
            )
            if values[0] is not None
        }

    def months_portal():
        return {month: n for month, n in activity_by_month(admin, campaign).items() if n}

    def months_sql():
        month = (
            "strftime('%%Y-%%m-01', started_on)"
            if connection.vendor == "sqlite"
            else "CAST(date_trunc('month', started_on) AS date)"
        )
        return {
            date.fromisoformat(first) if isinstance(first, str) else first: n
            for first, n in _rows(
                f"SELECT {month} AS month, COUNT(*) FROM {_table(Activity)} "  # noqa: S608 (table names from the models; values as parameters)
                "WHERE campaign_id = %s GROUP BY month",
                [campaign.pk],
            )
        }

    def partners_portal():
        return {
            row.organisation: row.activity
            for row in visits_by_partner(campaign, organisation_ids=None)
        }

    def partners_sql():
        return {
            name: n
            for name, n in _rows(
                f"SELECT o.name, COUNT(a.id) FROM {_table(CampaignPartner)} p "  # noqa: S608 (table names from the models; values as parameters)
                f"JOIN {_table(Organisation)} o ON o.id = p.organisation_id "
                f"LEFT JOIN {_table(Activity)} a ON a.campaign_id = p.campaign_id "
                "AND a.organisation_id = p.organisation_id "
                "WHERE p.campaign_id = %s GROUP BY o.name",
                [campaign.pk],
            )
        }

    def total_portal():
        form, activities = filter_activity(admin, QueryDict())
        return count_activity(admin, form, activities)

    def total_sql():
        return _rows(
            f"SELECT COUNT(*) FROM {_table(Activity)} a "  # noqa: S608 (table names from the models; values as parameters)
            f"JOIN {_table(Campaign)} c ON c.id = a.campaign_id "
            "WHERE c.lead_organisation_id = %s",
            [campaign.lead_organisation_id],
        )[0][0]

    return [
        Aggregate(
            "readiness: records by partner and type, last, since launch",
            readiness_portal,
            readiness_sql,
        ),
        Aggregate("impact: the area table (12 months)", table_portal, table_sql),
        Aggregate("impact: the effect's sums (4 windows)", effect_portal, effect_sql),
        Aggregate(
            "impact: the area table, kept (as the page reads it)", kept_table_portal, table_sql
        ),
        Aggregate(
            "impact: the effect's sums, kept (as the page reads it)", kept_effect_portal, effect_sql
        ),
        Aggregate("impact: records by month (the timeline)", months_portal, months_sql),
        Aggregate("impact: records by partner (beside visits)", partners_portal, partners_sql),
        Aggregate("activity list: the admin's total", total_portal, total_sql),
    ]


def _table_counts(table) -> dict:
    """An area table's counts by area and channel, as the SQL gives them."""
    return {
        (row.force_area.pk if row.force_area else None, channel): count
        for row in table.rows
        for channel, count in row.counts.items()
        if count is not None
    }


def _effect_sums(effect) -> dict:
    """An effect's four sums by area, as the SQL gives them."""
    return {
        row.force_area.pk if row.force_area else None: (
            row.before,
            row.after,
            row.before_year_earlier,
            row.after_year_earlier,
        )
        for row in effect.rows
        if row.before is not None
    }


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _readiness_sql(campaign: Campaign, today: date) -> list[tuple]:
    """Per partner and type: the records, the last day something was happening (never after
    today), and the records since the partner's launch."""
    last = "COALESCE(a.ended_on, a.started_on)"
    return _rows(
        "SELECT a.organisation_id, a.activity_type, COUNT(*), "  # noqa: S608 (table names from the models; values as parameters)
        "MAX(CASE WHEN a.started_on <= %s THEN "
        f"CASE WHEN {last} < %s THEN {last} ELSE %s END END), "
        "SUM(CASE WHEN a.started_on >= COALESCE(p.launch_date, %s) THEN 1 ELSE 0 END) "
        f"FROM {_table(Activity)} a JOIN {_table(CampaignPartner)} p "
        "ON p.campaign_id = a.campaign_id AND p.organisation_id = a.organisation_id "
        "WHERE a.campaign_id = %s GROUP BY a.organisation_id, a.activity_type",
        [today, today, today, campaign.launch_date, campaign.pk],
    )


def _time_aggregate(aggregate: Aggregate, scales: Scales) -> None:
    portal, sql = _timed(aggregate.portal, scales), _timed(aggregate.sql, scales)
    for scale in scales:
        aggregate.portal_ms[scale], answer = portal[scale]
        aggregate.sql_ms[scale], expected = sql[scale]
        aggregate.rows[scale] = _count(expected)
        aggregate.same[scale] = answer == expected


def _count(answer) -> int:
    return len(answer) if isinstance(answer, dict) else 1


# --- Printing -----------------------------------------------------------------------------------
def _ratio(value: float, base: float) -> float:
    return value / base if base else float("inf")


def _page_lines(pages: list[Page]) -> list[str]:
    lines = [
        f"Pages, signed in as {PARTNER_EMAIL}: 1x (the demo) and 100x",
        f"   {'page':<20}{'1x ms':>8}{'100x ms':>9}{'ratio':>8}  target <= {GROWTH_TARGET}x"
        f"   {'queries':>9}  same queries",
    ]
    for page in pages:
        small, big = page.runs["1x"], page.runs["100x"]
        ratio = _ratio(big.server_ms, small.server_ms)
        same = small.statements == big.statements
        if same:
            how = "same: met"
        elif small.queries == big.queries:
            how = "same number, other statements: NOT met"
        else:
            how = f"NOT met ({big.queries - small.queries:+d})"
        lines.append(
            f"   {page.name:<20}{small.server_ms:>8.1f}{big.server_ms:>9.1f}{ratio:>7.2f}x  "
            f"{verdict(ratio <= GROWTH_TARGET):<16}{small.queries:>4} ->{big.queries:>3}  {how}"
        )
        if not same and small.queries == big.queries:
            differing = next(
                (a, b) for a, b in zip(small.statements, big.statements, strict=True) if a != b
            )
            lines.append(f"      first differing: {differing[1][:150]}")
    return [*lines, ""]


def _list_lines(lists: list[Listed]) -> list[str]:
    lines = [
        "Lists at 100x: the last page (the link the first page gives) against the first; a page "
        "not paged (a campaign admin's of every partner) shows its one figure",
        f"   {'list':<40}{'first ms':>9}{'last ms':>9}{'ratio':>8}  target <= {LAST_PAGE_TARGET}x",
    ]
    for listed in lists:
        if listed.last is None:
            lines.append(
                f"   {listed.name:<40}{listed.first.server_ms:>9.1f}{'':>9}{'':>8}  one page "
                f"(not paged), {listed.first.queries} queries"
            )
            continue
        ratio = _ratio(listed.last.server_ms, listed.first.server_ms)
        lines.append(
            f"   {listed.name:<40}{listed.first.server_ms:>9.1f}{listed.last.server_ms:>9.1f}"
            f"{ratio:>7.2f}x  {verdict(ratio <= LAST_PAGE_TARGET)}"
            f" ({listed.first.queries} and {listed.last.queries} queries; last: "
            f"{listed.last_path[:60]})"
        )
    return [*lines, ""]


def _aggregate_lines(aggregates: list[Aggregate]) -> list[str]:
    lines = [
        "Aggregates: the portal's code against one hand-written SQL query, ms (1x: portal / SQL)",
        f"   {'figure':<58}{'1x':>13}{'100x portal':>13}{'SQL':>9}{'ratio':>9}  "
        f"target <= {SQL_TARGET}x  same figures",
    ]
    for aggregate in aggregates:
        ratio = _ratio(aggregate.portal_ms["100x"], aggregate.sql_ms["100x"])
        same = all(aggregate.same.values())
        lines.append(
            f"   {aggregate.name:<58}"
            f"{aggregate.portal_ms['1x']:>6.1f} /{aggregate.sql_ms['1x']:>5.1f}"
            f"{aggregate.portal_ms['100x']:>13.1f}{aggregate.sql_ms['100x']:>9.1f}"
            f"{ratio:>8.2f}x  {verdict(ratio <= SQL_TARGET):<16}"
            f"{'yes' if same else 'NO'} ({aggregate.rows['100x']:,} rows)"
        )
    return lines
