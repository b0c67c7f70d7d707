"""The CSV export of 100,000 activity records: the portal's export against its previous version,
side by side in one run, with the memory each needs.

The previous export (kept here, as it was, for the comparison) read model instances with their
related objects and wrote one CSV line per chunk of the streamed response. The portal's export
reads plain values with the names joined in and writes the lines in chunks of several hundred.
Both run in this process on the same 100,000 records (BENCH_EXPORT_ROWS sets another number) of a
campaign of 45 partners, every tenth record linked to material: first a warm-up of each, then
BENCH_EXPORT_REPEATS (default 3) runs of each in turn; the time is the median. The memory is
the peak traced by tracemalloc in one more run of each (traced runs are slower, so not timed).
The portal's export is also fetched once through gunicorn (1 sync worker) as a person would.

The goal (issue: fast pages) is printed beside the figures as a target, not asserted.
"""

import csv
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from itertools import groupby

from django.http import StreamingHttpResponse
from django.utils import timezone

from bench import data
from bench.environment import BenchError, Environment
from bench.measure import megabytes, request, verdict

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "100000"))
REPEATS = int(os.environ.get("BENCH_EXPORT_REPEATS", "3"))
PARTNERS = 45
SPEED_TARGET = 4.0  # the portal's export at least this many times faster than the previous one
MEMORY_TARGET = 20 * 1_000_000  # traced peak while streaming


def run(env: Environment) -> list[str]:
    from campaigns.impact import add_months
    from campaigns.models import Activity
    from campaigns.views.activity import EXPORT_HEADER, export_rows
    from lib.spreadsheets import csv_response

    today = timezone.localdate()
    started = time.perf_counter()
    region = data.scaled_region(env, "exports", areas=PARTNERS)
    campaign = data.scaled_campaign(
        env, "exports campaign", region, launch_date=add_months(today.replace(day=1), -12)
    )
    data.activity_records(
        campaign, region, count=ROWS, first_day=today - timedelta(days=730), days=730
    )
    links = data.link_material(campaign)
    lines = [
        f"Built {ROWS:,} records of {PARTNERS} partners ({links:,} linked to material) in "
        f"{time.perf_counter() - started:.1f} s"
    ]
    records = Activity.objects.filter(campaign=campaign)

    def now_export() -> StreamingHttpResponse:
        return csv_response(EXPORT_HEADER, export_rows(records), "activity.csv")

    def before_export() -> StreamingHttpResponse:
        return _csv_response_before(EXPORT_HEADER, _export_rows_before(records), "activity.csv")

    now_bytes = _consume(now_export)[1]
    before_bytes = _consume(before_export)[1]
    if now_bytes != before_bytes:
        raise BenchError("The export and its previous version wrote different bytes.")
    timings: dict[str, list[float]] = {"before": [], "now": []}
    for _ in range(REPEATS):
        for label, make in (("before", before_export), ("now", now_export)):
            timings[label].append(_time(make))
    before = statistics.median(timings["before"])
    now = statistics.median(timings["now"])
    peaks = {"before": _peak(before_export), "now": _peak(now_export)}

    with env.server() as server:
        cookies = env.sign_in(region.admin)
        path = f"/activity/export.csv?campaign={campaign.slug}"
        request(server.port, "GET", path, cookies=cookies, timeout=600)  # warm-up
        transfer = request(server.port, "GET", path, cookies=cookies, timeout=600)
        if transfer.status != 200:
            raise BenchError(f"GET {path} answered {transfer.status}.\n{server.log_tail()}")

    speed = before / now
    lines += [
        f"   {len(now_bytes):,} bytes of CSV, the same from both (checked byte for byte)",
        f"   {'previous export':<18}{before:8.2f} s (median of {REPEATS}), traced peak "
        f"{megabytes(peaks['before'])}",
        f"   {'the export now':<18}{now:8.2f} s (median of {REPEATS}), traced peak "
        f"{megabytes(peaks['now'])}",
        f"   {'through gunicorn':<18}{transfer.seconds:8.2f} s for {megabytes(transfer.received)} "
        f"(1 sync worker, signed in as the campaign admin)",
        f"   target: at least {SPEED_TARGET:.0f}x faster than before: {speed:.1f}x, "
        f"{verdict(speed >= SPEED_TARGET)}",
        f"   target: flat memory, a traced peak under {megabytes(MEMORY_TARGET)}: "
        f"{verdict(peaks['now'] < MEMORY_TARGET)}",
    ]
    return lines


def _consume(make: Callable[[], StreamingHttpResponse]) -> tuple[float, bytes]:
    """Consume the whole response, keeping its bytes (to compare them)."""
    begun = time.perf_counter()
    content = b"".join(bytes(chunk) for chunk in make().streaming_content)
    return time.perf_counter() - begun, content


def _time(make: Callable[[], StreamingHttpResponse]) -> float:
    begun = time.perf_counter()
    for _ in make().streaming_content:
        pass
    return time.perf_counter() - begun


def _peak(make: Callable[[], StreamingHttpResponse]) -> int:
    """The most memory Python held at once while the response was consumed (tracemalloc, which
    slows the run down: so never during a timed run)."""
    tracemalloc.start()
    for _ in make().streaming_content:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


# --- The previous export, as it was -------------------------------------------------------------
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _neutralised(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response_before(header: list[str], rows: Iterable[list], filename: str):
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([_neutralised(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export_rows_before(activities) -> Iterator[list]:
    from campaigns.models import Activity

    ordered = activities.select_related(
        "campaign", "organisation", "logged_by", "force_area"
    ).order_by("-started_on", "-pk")
    used = (
        Activity.materials.through.objects.filter(activity__in=activities)
        .order_by("-activity__started_on", "-activity_id", "material__title")
        .values_list("activity_id", "material__title")
        .iterator(chunk_size=2000)
    )
    material = groupby(used, key=lambda pair: pair[0])
    pending = next(material, None)
    types = dict(Activity.Type.choices)
    sources = dict(Activity.ReachSource.choices)
    for activity in ordered.iterator(chunk_size=2000):
        titles = []
        if pending is not None and pending[0] == activity.pk:
            titles = [title for _, title in pending[1]]
            pending = next(material, None)
        yield [
            activity.campaign.name,
            activity.organisation.name,
            types[activity.activity_type],
            activity.started_on,
            activity.ended_on,
            activity.channel,
            activity.quantity,
            activity.reach,
            sources.get(activity.reach_source, ""),
            activity.engagement,
            activity.force_area.name if activity.force_area_id else "",
            activity.place,
            activity.link,
            "; ".join(titles),
            activity.notes,
            activity.logged_by.full_name if activity.logged_by_id else "",
            timezone.localtime(activity.updated_at).replace(tzinfo=None, microsecond=0),
        ]
