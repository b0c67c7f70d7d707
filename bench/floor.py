"""The signed-in floor and a partner's pages at the seeds' scale, as shares of an empty page.

What a signed-in page costs is compared with what a page costs at all: an empty Django view
(bench/urls.py) behind the full middleware, signed out. The demo (`manage.py load_demo --force`,
the seeds' scale) is loaded, a partner member of the demo (police.comms@demo.example) is signed in
as environment.py signs people in, and one gunicorn server with 2 sync workers serves, in turn:

- the empty view signed out, and signed in;
- the pages a partner opens: home, the campaign overview, its toolkit, a piece of material, the
  activity list, readiness and impact;
- one preview thumbnail, under the address the toolkit links it by.

Each is loaded with `wrk -t1 -c4` for BENCH_FLOOR_SECONDS (default 5) seconds, right after the
empty view signed out is loaded for as long: each share is the median over BENCH_FLOOR_ROUNDS
(default 2) rounds of one address's requests/s divided by the empty view's of the seconds just
before, so that a figure and what it is divided by are measured side by side on a machine
others share too: the ratios are the figures, the requests per second only their parts. Then,
in this process (django.test.Client, the same settings and database), each page's queries are
counted, its writes (INSERT, UPDATE, DELETE) listed, and its server time taken as the median of
BENCH_FLOOR_REPEATS (default 20) requests one after another.

The goals (issue: fast pages) are printed beside the figures as targets, not asserted.
"""

import os
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.environment import BenchError, Environment, Server
from bench.measure import verdict

SECONDS = float(os.environ.get("BENCH_FLOOR_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_FLOOR_ROUNDS", "2"))
REPEATS = int(os.environ.get("BENCH_FLOOR_REPEATS", "20"))
CONNECTIONS = 4
WORKERS = 2
PARTNER_EMAIL = "police.comms@demo.example"

# The goals.
SIGNED_IN_SHARE_TARGET = 0.70  # the empty view signed in, of the same view signed out
PAGE_SHARE_TARGET = 0.20  # each page, of the empty view signed out
PAGE_SERVER_MS_TARGET = 15.0  # each page's server time at the seeds' scale
SIGNED_IN_QUERIES_TARGET = 2  # the session, and the person with memberships and authenticator
PREVIEW_QUERIES_TARGET = 2

WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Target:
    """One address measured: by wrk through gunicorn, and in-process."""

    name: str
    path: str
    signed_in: bool
    rates: list[float] = field(default_factory=list)
    p50s: list[float] = field(default_factory=list)
    # Each round's requests/s over the empty view's signed out, measured just before it.
    shares: list[float] = field(default_factory=list)
    errors: int = 0
    queries: int = 0
    writes: list[str] = field(default_factory=list)
    server_ms: float = 0.0
    status: int = 0
    cache_control: str = ""

    @property
    def rate(self) -> float:
        return statistics.mean(self.rates) if self.rates else 0.0

    @property
    def share(self) -> float:
        return statistics.median(self.shares) if self.shares else 1.0

    @property
    def p50(self) -> float:
        return statistics.median(self.p50s) if self.p50s else 0.0


def run(env: Environment) -> list[str]:
    wrk = shutil.which("wrk")
    if wrk is None:
        return ["   wrk is not installed (apt-get install -y wrk): nothing measured."]
    started = time.perf_counter()
    env.manage("load_demo", "--force")
    lines = [
        f"The demo loaded (manage.py load_demo --force) in {time.perf_counter() - started:.1f} s"
    ]

    from agencies.models import User
    from campaigns.demo.campaign_setup import SOUTH_WEST
    from campaigns.models import Campaign, MaterialVersion

    partner = User.objects.get(email=PARTNER_EMAIL)
    cookies = env.sign_in(partner)
    campaign = Campaign.objects.get(slug=SOUTH_WEST)
    version = (
        MaterialVersion.objects.filter(
            material__campaign=campaign, status=MaterialVersion.Status.APPROVED
        )
        .exclude(preview="")
        .select_related("material")
        .order_by("material__title", "pk")
        .first()
    )
    if version is None:
        raise BenchError("The demo campaign has no approved material with a preview.")
    slug = campaign.slug
    targets = [
        Target("empty view, signed out", "/bench/empty/", signed_in=False),
        Target("empty view, signed in", "/bench/empty/", signed_in=True),
        Target("home", "/", signed_in=True),
        Target("campaign overview", f"/campaigns/{slug}/", signed_in=True),
        Target("toolkit", f"/campaigns/{slug}/toolkit/", signed_in=True),
        Target("material page", f"/material/{version.material_id}/", signed_in=True),
        Target("activity list", "/activity/", signed_in=True),
        Target("readiness", f"/campaigns/{slug}/readiness/", signed_in=True),
        Target("impact", f"/campaigns/{slug}/impact/", signed_in=True),
        Target("preview thumbnail", version.preview_url, signed_in=True),
    ]
    for target in targets:
        _in_process(target, cookies)

    with env.server(workers=WORKERS) as server:
        lines += [
            f"server: {server.description}; signed in as {PARTNER_EMAIL} (partner member of "
            f"{partner.active_memberships[0].organisation.name})",
            f"each address: wrk -t1 -c{CONNECTIONS} -d{SECONDS:g}s right after the empty view "
            f"signed out, {ROUNDS} rounds of all of them in turn (share: the median of the "
            "rounds' ratios; requests/s: the mean of the rounds; p50: their median);",
            f"in-process: queries and writes of one request, server time the median of {REPEATS} "
            "requests (django.test.Client)",
            "",
        ]
        floor, *measured = targets
        for _ in range(ROUNDS):
            for target in measured:
                _load(wrk, server, floor, cookies)
                _load(wrk, server, target, cookies)
                target.shares.append(target.rates[-1] / floor.rates[-1])
    lines += _report(targets)
    return lines


# --- Measuring ----------------------------------------------------------------------------------
def _client(cookies: dict[str, str] | None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    for name, value in (cookies or {}).items():
        client.cookies[name] = value
    return client


def _get(client: Client, path: str):
    response = client.get(path)
    if response.streaming:
        b"".join(response.streaming_content)
    response.close()
    return response


def _in_process(target: Target, cookies: dict[str, str]) -> None:
    client = _client(cookies if target.signed_in else None)
    _get(client, target.path)  # warm-up; records the session's last activity if due
    with CaptureQueriesContext(connection) as captured:
        response = _get(client, target.path)
    target.status = response.status_code
    target.cache_control = response.get("Cache-Control", "")
    target.queries = len(captured.captured_queries)
    target.writes = [
        " ".join(query["sql"].split())[:90]
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith(WRITES)
    ]
    times = []
    for _ in range(REPEATS):
        begun = time.perf_counter()
        _get(client, target.path)
        times.append(time.perf_counter() - begun)
    target.server_ms = statistics.median(times) * 1000


_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_P50 = re.compile(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _load(wrk: str, server: Server, target: Target, cookies: dict[str, str]) -> None:
    command = [
        wrk,
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS:g}s",
        "--latency",
        f"http://127.0.0.1:{server.port}{target.path}",
    ]
    if target.signed_in:
        jar = "; ".join(f"{name}={value}" for name, value in cookies.items())
        command[1:1] = ["-H", f"Cookie: {jar}"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    rate, p50 = _RATE.search(result.stdout), _P50.search(result.stdout)
    if result.returncode != 0 or rate is None or p50 is None:
        raise BenchError(f"wrk failed on {target.path}:\n{result.stdout}{result.stderr}")
    target.rates.append(float(rate.group(1)))
    target.p50s.append(float(p50.group(1)) * _UNITS[p50.group(2)])
    errors = _NON_2XX.search(result.stdout)
    target.errors += int(errors.group(1)) if errors else 0


# --- Printing -----------------------------------------------------------------------------------
def _report(targets: list[Target]) -> list[str]:
    floor, signed_in, *pages = targets
    preview = pages.pop()
    share = signed_in.share
    lines = [
        f"   {'address':<28}{'req/s':>9}{'p50 ms':>9}{'share':>8}{'queries':>9}{'writes':>8}"
        f"{'server ms':>11}  status",
    ]
    for target in targets:
        lines.append(
            f"   {target.name:<28}{target.rate:>9,.0f}{target.p50:>9.1f}"
            f"{target.share:>8.1%}{target.queries:>9}{len(target.writes):>8}"
            f"{target.server_ms:>11.1f}  {target.status}"
            + (f", {target.errors} non-2xx under load" if target.errors else "")
        )
    lines += [
        "",
        "Targets",
        f"   signed-in floor: the empty view signed in at {share:.0%} of it signed out; "
        f"target >= {SIGNED_IN_SHARE_TARGET:.0%}: {verdict(share >= SIGNED_IN_SHARE_TARGET)}",
        f"   signed-in floor: {signed_in.queries} queries (the session, the person with their "
        f"memberships and authenticator); target <= {SIGNED_IN_QUERIES_TARGET}: "
        f"{verdict(signed_in.queries <= SIGNED_IN_QUERIES_TARGET)}",
    ]
    written = [t for t in targets if t.writes]
    lines.append(
        "   a GET writes nothing to the database (within a minute of the last recorded "
        f"activity): {verdict(not written)}"
        + "".join(f"\n      {t.name}: {'; '.join(t.writes)}" for t in written)
    )
    for page in pages:
        page_share = page.share
        lines.append(
            f"   {page.name:<20} {page_share:6.1%} of the empty view signed out (target >= "
            f"{PAGE_SHARE_TARGET:.0%}: {verdict(page_share >= PAGE_SHARE_TARGET)}); "
            f"{page.server_ms:5.1f} ms server time (target <= {PAGE_SERVER_MS_TARGET:.0f} ms: "
            f"{verdict(page.server_ms <= PAGE_SERVER_MS_TARGET)})"
        )
    kept = "no-store" not in preview.cache_control and "max-age" in preview.cache_control
    sessions = "shared cache, database behind" if os.environ.get("REDIS_URL") else "database"
    lines += [
        f"   preview: {preview.queries} queries (target <= {PREVIEW_QUERIES_TARGET}: "
        f"{verdict(preview.queries <= PREVIEW_QUERIES_TARGET)}), {len(preview.writes)} writes "
        f"(target 0: {verdict(not preview.writes)}), Cache-Control {preview.cache_control!r} "
        f"(the browser keeps it: {verdict(kept)})",
        f"   (database: {connection.vendor}; sessions: {sessions})",
    ]
    return lines
