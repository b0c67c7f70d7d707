"""Pages at scale: readiness, the activity list and exports, impact and the area table, each against
one hand-written SQL query doing the same aggregation.

The charity's lists and dashboards must cost a constant number of SQL queries whatever the amount of
data, and stay close to what the database itself needs for the same answer. So this builds, with the
ORM's bulk_create in batches of 10,000:

- a region of 45 force areas with a police force each, all partners of one campaign with 100,000
  activity records spread over the partners, the nine types and two years (every tenth record linked
  to a piece of material, and each force having downloaded three);
- help-seeker figures for the 45 areas, 10 years of months and 2 channels: 10,800 rows;
- a second campaign in the same region with 1,000,000 activity records (BENCH_PAGES_TIMELINE_ROWS
  sets another number), for the activity timeline of its impact page;
- a small world of the same shape (3 partners, 300 records, 2 years of figures), to show that each
  page's query count does not grow with the data.

Then, against gunicorn with one sync worker, each page is requested after a warm-up, its median time
taken over several runs, and put beside the median time of ONE hand-written SQL query (through
django.db.connection.cursor(), in this process, on the same database) that computes what the page
aggregates. The query count of each page is counted in-process (django.test.Client with
CaptureQueriesContext) on the small world and at scale. The exports are also watched for the
worker's memory: a fresh worker exports a few hundred rows (warm-up), then about 10,000, then
100,000; a streaming export's peak barely moves from the one to the other.

The goals are printed beside the figures as targets, not asserted.
"""

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import data
from bench.environment import BenchError, Environment, Server
from bench.measure import MB, Spread, Transfer, WorkerWatch, megabytes, request, verdict
from campaigns.impact.periods import Window, add_months
from campaigns.models import Activity, Campaign, HelpSeekerFigure, Material

REPEATS = 5
EXPORT_REPEATS = 3
PARTNERS = 45
RECORDS = 100_000
TIMELINE_RECORDS = int(os.environ.get("BENCH_PAGES_TIMELINE_ROWS", "1000000"))
FIGURE_YEARS = 10
SMALL_PARTNERS = 3
SMALL_RECORDS = 300
REQUEST_TIMEOUT = 600.0

# The goals, printed beside the figures as targets.
READINESS_TARGET_SECONDS = 1.0  # the readiness page at 45 partners and 100,000 records
EXPORT_MEMORY_TARGET = 50 * MB  # peak growth of the worker during a 100,000-record export
GUNICORN_DEFAULT_TIMEOUT = 30  # seconds: a sync worker silent for longer is killed
# A page at most this many times its one hand-written SQL query, or at most this much slower
# (a signed-in page has a fixed cost: its session, its person and the template).
SQL_RATIO_TARGET = 2.0
SQL_ADDED_TARGET = 0.1


@dataclass
class World:
    """What the benchmark built, for one scale."""

    label: str
    scaled: data.ScaledRegion
    campaign: Campaign
    timeline: Campaign | None
    cookies: dict[str, str]


@dataclass
class Queries:
    """The SQL of one request, counted in-process: how many, their time, the slowest."""

    count: int
    seconds: float
    slowest_seconds: float
    slowest: str


@dataclass
class Page:
    """One page measured: its address, its query counts, its times and its SQL's times."""

    name: str
    path: str
    small_path: str
    sql_label: str
    sql: Callable[[], int]
    queries_small: int = 0
    queries_scale: int = 0
    queries: Queries | None = None
    times: Spread | None = None
    sql_times: Spread | None = None
    rows: int = 0
    size: int = 0


def run(env: Environment) -> list[str]:
    lines = ["Building the data with the ORM (bulk_create, batches of 10,000):"]
    today = timezone.localdate()
    launch = add_months(today.replace(day=1), -12)
    last_month = add_months(today.replace(day=1), -1)

    def timed(what: str, build: Callable[[], object]) -> object:
        started = time.perf_counter()
        result = build()
        seconds = time.perf_counter() - started
        rows = result if isinstance(result, int) else None
        rate = f" ({rows / seconds:,.0f} rows/s)" if rows else ""
        lines.append(f"   {what:<62}{seconds:8.1f} s{rate}")
        return result

    scaled = timed(
        f"{PARTNERS} force areas, forces, members and a campaign admin",
        lambda: data.scaled_region(env, "pages", areas=PARTNERS),
    )
    campaign = timed(
        "the campaign, its partners, 3 pieces of material, 135 downloads",
        lambda: data.scaled_campaign(env, "pages campaign", scaled, launch_date=launch),
    )
    timed(
        f"{RECORDS:,} activity records over 2 years",
        lambda: data.activity_records(
            campaign, scaled, count=RECORDS, first_day=today - timedelta(days=730), days=730
        ),
    )
    links = timed(
        "links to material for every tenth record",
        lambda: data.link_material(campaign),
    )
    timed(
        f"help-seeker figures: {PARTNERS} areas x {FIGURE_YEARS} years x 12 months x 2 channels",
        lambda: data.monthly_figures(scaled, last_month=last_month, months=FIGURE_YEARS * 12),
    )
    timeline = None
    if TIMELINE_RECORDS:
        timeline = data.scaled_campaign(env, "pages timeline", scaled, launch_date=launch)
        timed(
            f"{TIMELINE_RECORDS:,} activity records in a second campaign (the timeline)",
            lambda: data.activity_records(
                timeline,
                scaled,
                count=TIMELINE_RECORDS,
                first_day=today - timedelta(days=730),
                days=730,
            ),
        )
    small = data.scaled_region(env, "pages small", areas=SMALL_PARTNERS)
    small_campaign = data.scaled_campaign(env, "pages small campaign", small, launch_date=launch)
    data.activity_records(
        small_campaign, small, count=SMALL_RECORDS, first_day=today - timedelta(days=730), days=730
    )
    data.link_material(small_campaign)
    data.monthly_figures(small, last_month=last_month, months=24)
    small_timeline = data.scaled_campaign(env, "pages small timeline", small, launch_date=launch)
    data.activity_records(
        small_timeline, small, count=SMALL_RECORDS, first_day=today - timedelta(days=730), days=730
    )
    _analyse()
    lines.append(
        f"   (and a small world for the query counts: {SMALL_PARTNERS} partners, "
        f"{SMALL_RECORDS} records, 2 years of figures; {links:,} material links at scale)"
    )

    big = World("at scale", scaled, campaign, timeline, env.sign_in(scaled.admin))
    little = World("small", small, small_campaign, small_timeline, env.sign_in(small.admin))
    pages = _pages(big, little, launch)

    with env.server(extra_args=("--timeout", str(int(REQUEST_TIMEOUT)))) as server:
        worker = server.worker()
        lines += [
            "",
            f"server: {server.description}; worker RSS after start-up "
            f"{megabytes(worker.memory_info().rss)}",
            f"each page: median of {REPEATS} requests after a warm-up, signed in as the "
            "campaign admin; each SQL query: median of",
            f"{REPEATS} runs through django.db.connection.cursor() in the benchmark process, "
            "rows fetched; queries counted",
            "in-process (django.test.Client + CaptureQueriesContext), on the small world and at "
            "scale",
            "",
        ]
        for page in pages:
            page.queries_small = _count_queries(little.cookies, page.small_path).count
            page.queries = _count_queries(big.cookies, page.path)
            page.queries_scale = page.queries.count
            transfers = _time_page(server, big.cookies, page.path, REPEATS)
            page.times = Spread.of([t.seconds for t in transfers])
            page.size = transfers[0].received
            page.sql_times, page.rows = _time_sql(page.sql, REPEATS)
            lines += _page_lines(page)
    export_lines, exports = _exports(env, big, little, sql=_export_sql(big.campaign))
    lines += export_lines
    lines += _summary(pages + exports)
    return lines


# --- The pages and their SQL ----------------------------------------------------------------------
def _pages(big: World, little: World, launch: date) -> list[Page]:
    table = Window(add_months(launch, -12), launch - timedelta(days=1))
    query = urlencode(
        {
            "region": big.scaled.region.slug,
            "table_from": f"{table.start:%Y-%m}",
            "table_to": f"{table.end:%Y-%m}",
        }
    )
    small_query = query.replace(big.scaled.region.slug, little.scaled.region.slug)
    slug, small_slug = big.campaign.slug, little.campaign.slug
    pages = [
        Page(
            f"Readiness: {PARTNERS} partners, {RECORDS:,} records",
            f"/campaigns/{slug}/readiness/",
            f"/campaigns/{small_slug}/readiness/",
            "records counted by organisation and type (GROUP BY)",
            lambda: _readiness_sql(big.campaign),
        ),
        Page(
            f"Activity list: first page of {RECORDS:,} records",
            f"/activity/?campaign={slug}",
            f"/activity/?campaign={small_slug}",
            "the 50 newest records with their joins, and the COUNT(*) of all",
            lambda: _list_sql(big.campaign),
        ),
        Page(
            f"Impact: {PARTNERS} areas, 10,800 figures, {RECORDS:,} records",
            f"/campaigns/{slug}/impact/",
            f"/campaigns/{small_slug}/impact/",
            "figures summed by area and channel over the table window and the four effect "
            "windows (one GROUP BY)",
            lambda: _impact_sql(big.campaign, table),
        ),
        Page(
            f"Area table: {PARTNERS} areas, 12 months (figures page)",
            f"/figures/?{query}",
            f"/figures/?{small_query}",
            "figures summed by area and channel inside the window (GROUP BY)",
            lambda: _area_sql(big.scaled.region.pk, table),
        ),
    ]
    if big.timeline is not None:
        pages.insert(
            3,
            Page(
                f"Impact: the campaign with {TIMELINE_RECORDS:,} records (timeline)",
                f"/campaigns/{big.timeline.slug}/impact/",
                f"/campaigns/{little.timeline.slug}/impact/",
                "records counted by month (GROUP BY month)",
                lambda: _months_sql(big.timeline),
            ),
        )
    return pages


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _fetch(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def _readiness_sql(campaign: Campaign) -> int:
    return _fetch(
        f"SELECT organisation_id, activity_type, COUNT(*) FROM {_table(Activity)} "  # noqa: S608 (table names from the models; values as parameters)
        "WHERE campaign_id = %s GROUP BY organisation_id, activity_type",
        [campaign.pk],
    )


def _list_sql(campaign: Campaign) -> int:
    from agencies.models import ForceArea, Organisation, User

    return _fetch(
        "SELECT a.id, a.activity_type, a.started_on, a.ended_on, a.channel, a.quantity, a.reach, "  # noqa: S608 (table names from the models; values as parameters)
        "o.name, c.name, u.full_name, f.name, "
        f"(SELECT COUNT(*) FROM {_table(Activity)} WHERE campaign_id = %s) "
        f"FROM {_table(Activity)} a "
        f"JOIN {_table(Organisation)} o ON o.id = a.organisation_id "
        f"JOIN {_table(Campaign)} c ON c.id = a.campaign_id "
        f"LEFT JOIN {_table(User)} u ON u.id = a.logged_by_id "
        f"LEFT JOIN {_table(ForceArea)} f ON f.id = a.force_area_id "
        "WHERE a.campaign_id = %s ORDER BY a.started_on DESC, a.id DESC LIMIT 50",
        [campaign.pk, campaign.pk],
    )


def _impact_sql(campaign: Campaign, table: Window) -> int:
    launch = campaign.launch_date
    before, after = Window.months_before(launch, 3), Window.months_after(launch, 3)
    windows = [table, before, after, before.year_earlier(), after.year_earlier()]
    sums = ", ".join(
        'SUM(CASE WHEN period_start >= %s AND period_end <= %s THEN "count" ELSE 0 END)'
        for _ in windows
    )
    params = [day for window in windows for day in (window.start, window.end)]
    first = min(window.start for window in windows)
    last = max(window.end for window in windows)
    return _fetch(
        f"SELECT force_area_id, channel_id, {sums} FROM {_table(HelpSeekerFigure)} "  # noqa: S608 (table names from the models; values as parameters)
        "WHERE region_id = %s AND period_start <= %s AND period_end >= %s "
        "GROUP BY force_area_id, channel_id",
        [*params, campaign.region_id, last, first],
    )


def _area_sql(region_id: int, window: Window) -> int:
    return _fetch(
        f'SELECT force_area_id, channel_id, SUM("count") FROM {_table(HelpSeekerFigure)} '  # noqa: S608 (table names from the models; values as parameters)
        "WHERE region_id = %s AND period_start >= %s AND period_end <= %s "
        "GROUP BY force_area_id, channel_id",
        [region_id, window.start, window.end],
    )


def _months_sql(campaign: Campaign) -> int:
    month = (
        "strftime('%%Y-%%m', started_on)"
        if connection.vendor == "sqlite"
        else "date_trunc('month', started_on)"
    )
    return _fetch(
        f"SELECT {month} AS month, COUNT(*) FROM {_table(Activity)} "  # noqa: S608 (table names from the models; values as parameters)
        "WHERE campaign_id = %s GROUP BY month",
        [campaign.pk],
    )


def _export_sql(campaign: Campaign) -> Callable[[], int]:
    """Every record of the campaign with what the export writes: its names through joins and the
    titles of its material, streamed in chunks of 2,000 as the export reads them."""
    from agencies.models import ForceArea, Organisation, User

    through = Activity.materials.through
    if connection.vendor == "sqlite":
        titles = "(SELECT group_concat(s.title, '; ') "
    else:
        titles = "(SELECT string_agg(s.title, '; ' ORDER BY s.title) "
    titles += (
        f"FROM {_table(through)} t JOIN {_table(Material)} s ON s.id = t.material_id "
        "WHERE t.activity_id = a.id)"
    )
    sql = (
        "SELECT c.name, o.name, a.activity_type, a.started_on, a.ended_on, a.channel, "  # noqa: S608 (table names from the models; values as parameters)
        "a.quantity, a.reach, a.reach_source, a.engagement, f.name, a.place, a.link, "
        f"{titles}, a.notes, u.full_name, a.updated_at "
        f"FROM {_table(Activity)} a "
        f"JOIN {_table(Organisation)} o ON o.id = a.organisation_id "
        f"JOIN {_table(Campaign)} c ON c.id = a.campaign_id "
        f"LEFT JOIN {_table(User)} u ON u.id = a.logged_by_id "
        f"LEFT JOIN {_table(ForceArea)} f ON f.id = a.force_area_id "
        "WHERE a.campaign_id = %s ORDER BY a.started_on DESC, a.id DESC"
    )

    def stream() -> int:
        rows = 0
        with connection.cursor() as cursor:
            cursor.execute(sql, [campaign.pk])
            while chunk := cursor.fetchmany(2000):
                rows += len(chunk)
        return rows

    return stream


def _analyse() -> None:
    """Fresh statistics for the planner, as autovacuum would have them on a production PostgreSQL
    (SQLite has none unless asked, and the portal never asks)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Activity, Activity.materials.through, HelpSeekerFigure):
                cursor.execute(f"ANALYZE {_table(model)}")


# --- Measuring ----------------------------------------------------------------------------------
def _count_queries(cookies: dict[str, str], path: str) -> Queries:
    """The SQL queries one request for the page makes, counted in this process."""
    client = Client(HTTP_HOST="127.0.0.1")
    for name, value in cookies.items():
        client.cookies[name] = value
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        if response.streaming:
            for _ in response.streaming_content:
                pass
        response.close()
    if response.status_code != 200:
        raise BenchError(f"GET {path} answered {response.status_code} in-process.")
    queries = captured.captured_queries
    slowest = max(queries, key=lambda query: float(query["time"]))
    return Queries(
        len(queries),
        sum(float(query["time"]) for query in queries),
        float(slowest["time"]),
        " ".join(slowest["sql"].split()),
    )


def _time_page(server: Server, cookies: dict[str, str], path: str, repeats: int) -> list[Transfer]:
    warm_up = request(server.port, "GET", path, cookies=cookies, timeout=REQUEST_TIMEOUT)
    _expect_ok(warm_up, server, path)
    transfers = []
    for _ in range(repeats):
        transfer = request(server.port, "GET", path, cookies=cookies, timeout=REQUEST_TIMEOUT)
        _expect_ok(transfer, server, path)
        transfers.append(transfer)
    return transfers


def _time_sql(sql: Callable[[], int], repeats: int) -> tuple[Spread, int]:
    rows = sql()  # warm-up
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        sql()
        seconds.append(time.perf_counter() - started)
    return Spread.of(seconds), rows


def _expect_ok(transfer: Transfer, server: Server, path: str) -> None:
    if transfer.status != 200:
        raise BenchError(f"GET {path} answered {transfer.status}.\n{server.log_tail()}")


# --- The exports --------------------------------------------------------------------------------
@dataclass
class ExportRun:
    label: str
    transfer: Transfer
    watch: WorkerWatch
    lines: int = 0


def _exports(
    env: Environment, big: World, little: World, *, sql: Callable[[], int]
) -> tuple[list[str], list[Page]]:
    sql_times, sql_rows = _time_sql(sql, EXPORT_REPEATS)
    lines, measured = [], []
    recent = timezone.localdate() - timedelta(days=73)  # a tenth of the two years
    # The records the export filtered from that date holds, counted as the export filters them.
    recent_records = (
        Activity.objects.filter(campaign=big.campaign)
        .filter(Q(ended_on__gte=recent) | Q(started_on__gte=recent))
        .count()
    )
    for fmt in ("csv", "xlsx"):
        path = f"/activity/export.{fmt}?campaign={big.campaign.slug}"
        some = f"{path}&date_from={recent:%Y-%m-%d}"
        small_path = f"/activity/export.{fmt}?campaign={little.campaign.slug}"
        page = Page(
            f"{fmt.upper()} export of {RECORDS:,} records",
            path,
            small_path,
            "the same rows, joins and material titles, fetched 2,000 at a time",
            sql,
            queries_small=_count_queries(little.cookies, small_path).count,
            queries=_count_queries(big.cookies, path),
            sql_times=sql_times,
            rows=sql_rows,
        )
        # A fresh worker for each format, so that its memory starts from this export alone.
        with env.server(extra_args=("--timeout", str(int(REQUEST_TIMEOUT)))) as server:
            worker = server.worker()
            warm = _export(server, worker, little.cookies, small_path, "warm-up")
            tenth = _export(server, worker, big.cookies, some, f"{recent_records:,}")
            full = _export(server, worker, big.cookies, path, f"{RECORDS:,}")
            runs = [
                _export(server, worker, big.cookies, path, f"{RECORDS:,}")
                for _ in range(EXPORT_REPEATS)
            ]
        page.times = Spread.of([run.transfer.seconds for run in runs])
        page.size = full.transfer.received
        page.queries_scale = page.queries.count if page.queries else 0
        lines += _export_lines(fmt, page, warm, tenth, full, runs, recent_records)
        if fmt == "csv" and full.lines != RECORDS + 1:
            raise BenchError(f"The CSV export has {full.lines:,} lines, not {RECORDS + 1:,}.")
        measured.append(page)
    return lines, measured


class _LineCounter:
    def __init__(self) -> None:
        self.lines = 0

    def __call__(self, chunk: memoryview) -> None:
        self.lines += bytes(chunk).count(b"\n")


def _export(server: Server, worker, cookies: dict[str, str], path: str, label: str) -> ExportRun:
    counter = _LineCounter()
    with WorkerWatch(worker) as watch:
        transfer = request(
            server.port, "GET", path, cookies=cookies, sink=counter, timeout=REQUEST_TIMEOUT
        )
    _expect_ok(transfer, server, path)
    return ExportRun(label, transfer, watch, counter.lines)


def _export_lines(
    fmt: str,
    page: Page,
    warm: ExportRun,
    tenth: ExportRun,
    full: ExportRun,
    runs: list[ExportRun],
    recent_records: int,
) -> list[str]:
    assert page.times is not None and page.sql_times is not None
    first_byte = Spread.of([run.transfer.headers_after for run in runs])
    size = page.size
    # The peak a 100,000-record export reaches over the warm worker: from before the export of
    # about 10,000 records (whose memory the full one reuses) to the full one's peak.
    growth = full.watch.peak - tenth.watch.before
    beyond = full.watch.peak - tenth.watch.peak
    extra_records = RECORDS - recent_records
    if fmt == "csv":
        how = "a StreamingHttpResponse: each row written as it is read"
        check = f"{RECORDS:,} records + the header line in the CSV; {page.rows:,} rows by the SQL"
    else:
        how = "a write-only workbook saved to a temporary file, then sent as a FileResponse"
        check = f"a {megabytes(size)} XLSX (openpyxl's write-only mode)"
    lines = [
        f"{fmt.upper()} export of {RECORDS:,} records: GET {page.path}",
        f"   ({how})",
        *_timing_lines(page, unit="s"),
        f"   {'first byte':<16}after {first_byte.median:.3f} s (median)"
        + (
            f": longer than gunicorn's default --timeout of {GUNICORN_DEFAULT_TIMEOUT} s, which "
            f"would kill the worker (this run allows {REQUEST_TIMEOUT:.0f} s)"
            if first_byte.median > GUNICORN_DEFAULT_TIMEOUT
            else ""
        ),
        f"   {'worker RSS':<16}fresh worker {megabytes(warm.watch.before)}; "
        f"{megabytes(tenth.watch.before)} after a warm-up export of {warm.transfer.received:,} "
        "bytes;",
        f"   {'':<16}{recent_records:,} records ({megabytes(tenth.transfer.received)}): growth "
        f"{tenth.watch.growth / MB:+.1f} MB;",
        f"   {'':<16}{RECORDS:,} records ({megabytes(size)}): peak {megabytes(full.watch.peak)}, "
        f"growth {growth / MB:+.1f} MB over the warm worker = {growth / size:.0%} of the export's",
        f"   {'':<16}size, of which {beyond / MB:+.1f} MB beyond the {recent_records:,}-record "
        f"export's peak ({beyond / max(extra_records, 1) * 1000 / 1024:.1f} KiB per 1,000 "
        "further records)",
        f"   {'':<16}later runs: peak growth {max(r.watch.growth for r in runs) / MB:+.1f} MB at "
        "most (the worker reuses its memory)",
        f"   {'target':<16}peak growth under {megabytes(EXPORT_MEMORY_TARGET)} for {RECORDS:,} "
        f"records: {verdict(growth < EXPORT_MEMORY_TARGET)}",
        f"   {'checks':<16}200 every time; {check}",
        "",
    ]
    return lines


# --- Printing -----------------------------------------------------------------------------------
def _constant(small: int, scale: int) -> str:
    return "constant" if small == scale else f"NOT constant ({scale - small:+d})"


def _meets_sql_target(page: Page) -> bool:
    assert page.times is not None and page.sql_times is not None
    return (
        page.times.median <= SQL_RATIO_TARGET * page.sql_times.median
        or page.times.median - page.sql_times.median <= SQL_ADDED_TARGET
    )


def _timing_lines(page: Page, *, unit: str) -> list[str]:
    assert page.times is not None and page.sql_times is not None
    scale, name, digits = (1000, "ms", 1) if unit == "ms" else (1, "s", 3)
    ratio = page.times.median / page.sql_times.median
    added = page.times.median - page.sql_times.median
    what = f"{page.size:,} bytes of HTML" if unit == "ms" else megabytes(page.size)
    return [
        f"   {'queries':<16}{page.queries_small} (small) -> {page.queries_scale} (at scale): "
        f"{_constant(page.queries_small, page.queries_scale)}",
        f"   {'time':<16}{page.times.median * scale:9.{digits}f} {name} (runs "
        f"{page.times.low * scale:.{digits}f}–{page.times.high * scale:.{digits}f} {name}), {what}",
        f"   {'one SQL query':<16}{page.sql_times.median * scale:9.{digits}f} {name} "
        f"({page.rows:,} rows): {page.sql_label}",
        *_slowest_lines(page),
        f"   {'page vs SQL':<16}{ratio:9.1f}x, {added * 1000:+,.0f} ms; target at most "
        f"{SQL_RATIO_TARGET:.0f}x or +{SQL_ADDED_TARGET * 1000:.0f} ms: "
        f"{verdict(_meets_sql_target(page))}",
    ]


# Django times a query's execute(): PostgreSQL's client-side cursor has every row by then, while
# SQLite steps lazily, so a query whose rows come from an index in order is timed to its first row.
_QUERY_TIME_NOTE = {False: "", True: " (SQLite: timed to their first rows)"}


def _slowest_lines(page: Page) -> list[str]:
    if page.queries is None:
        return []
    queries = page.queries
    return [
        f"   {'its queries':<16}in-process: {queries.seconds * 1000:,.1f} ms for all "
        f"{queries.count}{_QUERY_TIME_NOTE[connection.vendor == 'sqlite']}; the slowest, "
        f"{queries.slowest_seconds * 1000:,.1f} ms:",
        *(
            f"   {'':<16}{queries.slowest[start : start + 80]}"
            for start in range(0, min(len(queries.slowest), 240), 80)
        ),
    ]


def _page_lines(page: Page) -> list[str]:
    assert page.times is not None
    lines = [f"{page.name}: GET {page.path}", *_timing_lines(page, unit="ms")]
    if page.name.startswith("Readiness"):
        lines.append(
            f"   {'target':<16}readiness under {READINESS_TARGET_SECONDS:.1f} s at {PARTNERS} "
            f"partners and {RECORDS:,} records: "
            f"{verdict(page.times.median < READINESS_TARGET_SECONDS)}"
        )
    lines.append("")
    return lines


def _summary(pages: list[Page]) -> list[str]:
    lines = [
        "Summary",
        f"   {'page':<58}{'queries':>10}{'page ms':>10}{'SQL ms':>9}{'ratio':>8}  vs SQL",
    ]
    for page in pages:
        assert page.times is not None and page.sql_times is not None
        lines.append(
            f"   {page.name[:57]:<58}{page.queries_small:>5} ->{page.queries_scale:>3}"
            f"{page.times.median * 1000:>10.1f}{page.sql_times.median * 1000:>9.1f}"
            f"{page.times.median / page.sql_times.median:>7.1f}x  "
            f"{verdict(_meets_sql_target(page))}"
        )
    constant = all(page.queries_small == page.queries_scale for page in pages)
    lines.append(
        f"   target: the same number of queries on the small world and at scale: "
        f"{verdict(constant)}"
    )
    met = sum(_meets_sql_target(page) for page in pages)
    lines.append(
        f"   target: each page at most {SQL_RATIO_TARGET:.0f}x its SQL or +"
        f"{SQL_ADDED_TARGET * 1000:.0f} ms: met by {met} of {len(pages)}"
    )
    return lines
