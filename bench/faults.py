"""PostgreSQL restarted in the middle of a load run: what people see, and how soon it recovers.

Ten simulated partners (the people of load.py, doing the same loop) use the portal for 20 s
against gunicorn's sync workers, whose database connections are kept between requests
(CONN_MAX_AGE 60) and checked before reuse (CONN_HEALTH_CHECKS). A third of the way in, this
machine's own PostgreSQL is restarted once (pg_ctlcluster ... restart, a fast shutdown: every
connection is ended). The run reports the requests that failed while it was down and what they
answered (each must be the portal's own error page), how long after the restart began the first
request succeeded, and that every request after that one succeeded.

The restart breaks anything else using the server at that moment, so the benchmark waits until no
test database is in use (a test run holds a connection to a database named test_...), and refuses
to restart if one still is. Whatever happens, PostgreSQL is started again before the benchmark
ends. It needs PostgreSQL (DATABASE_URL) and root, as pg_ctlcluster does.
"""

import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from bench.environment import Environment
from bench.load import (
    build_world,
    drive,
    needs_postgresql,
    page_table,
    present,
    statuses,
    worker_memory,
)

PEOPLE = 10
SECONDS = 20.0
RESTART_AFTER = 7.0  # seconds into the run
WORKERS = 4
READY_TIMEOUT = 60.0
COMMAND_TIMEOUT = 90.0
POLL_SECONDS = 0.02
POLL_LIMIT_SECONDS = 120.0
WAIT_FOR_TESTS_SECONDS = 120.0
ERROR_PAGE_HEADING = "Sorry, something went wrong"


@dataclass
class Restart:
    """When the restart began and when pg_ctlcluster returned, and when PostgreSQL stopped and
    started accepting connections as pg_isready saw it (polled all along: pg_ctlcluster returns
    a while after the server is back); on the run's clock (perf_counter). `refused` says why
    no restart was made."""

    began: float = 0.0
    returned: float = 0.0
    down: float | None = None
    up: float | None = None
    polls: int = 0
    command: str = ""
    output: str = ""
    refused: str = ""

    @property
    def back(self) -> float:
        """From when PostgreSQL was surely accepting connections again."""
        return self.up if self.up is not None else self.returned


class Availability(threading.Thread):
    """Polls pg_isready until stopped (at most POLL_LIMIT_SECONDS), noting when PostgreSQL first
    stopped accepting connections and when it first accepted them again after that."""

    def __init__(self, restart: Restart) -> None:
        super().__init__(name="pg-isready", daemon=True)
        self.restart = restart
        self.stop = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + POLL_LIMIT_SECONDS
        while not self.stop.is_set() and time.monotonic() < deadline:
            asked = time.perf_counter()
            ready = is_ready()
            self.restart.polls += 1
            if not ready and self.restart.down is None:
                self.restart.down = asked
            elif ready and self.restart.down is not None and self.restart.up is None:
                self.restart.up = asked
                return
            self.stop.wait(POLL_SECONDS)


def cluster() -> str:
    versions = sorted(path.name for path in Path("/etc/postgresql").iterdir() if path.is_dir())
    if len(versions) != 1:
        raise RuntimeError(f"Expected one PostgreSQL version in /etc/postgresql, found {versions}")
    return versions[0]


def pg_ctlcluster(action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster(), "main", action],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


def is_ready() -> bool:
    try:
        result = subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-t", "1"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0


def wait_until_ready(timeout: float = READY_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_ready():
            return True
        time.sleep(0.05)
    return False


def test_runs_in_progress() -> int:
    """Connections to test databases: someone's test suite is running on this server."""
    connection.close()  # ours may be stale: this is called around a restart
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname LIKE %s", ["test_%"])
        return cursor.fetchone()[0]


def wait_for_quiet(timeout: float) -> int:
    """Wait (up to `timeout`) until no test database is in use; return how many connections
    to test databases there still are."""
    deadline = time.monotonic() + timeout
    busy = test_runs_in_progress()
    while busy and time.monotonic() < deadline:
        time.sleep(2)
        busy = test_runs_in_progress()
    return busy


def restart_during(started: float) -> Restart:
    """Sleep until RESTART_AFTER into the run, then restart PostgreSQL once, making sure it is
    running again whatever happens."""
    time.sleep(max(0.0, started + RESTART_AFTER - time.perf_counter()))
    restart = Restart()
    busy = test_runs_in_progress()
    if busy:
        restart.refused = f"{busy} connection(s) to test databases appeared: no restart made"
        return restart
    connection.close()  # the benchmark's own connection is about to be ended too
    restart.command = (
        f"pg_ctlcluster --skip-systemctl-redirect {cluster()} main restart (fast shutdown)"
    )
    availability = Availability(restart)
    try:
        restart.began = time.perf_counter()
        availability.start()
        result = pg_ctlcluster("restart")
        restart.returned = time.perf_counter()
        restart.output = (result.stdout + result.stderr).strip()
        if not wait_until_ready():
            raise RuntimeError("PostgreSQL was not ready within 60 s of the restart")
        availability.stop.set()
        availability.join(timeout=15)
    finally:
        availability.stop.set()
        if not is_ready():
            start = pg_ctlcluster("start")
            if not wait_until_ready():
                raise RuntimeError(
                    "PostgreSQL did not come back after the restart, nor after "
                    f"pg_ctlcluster start: {(start.stdout + start.stderr).strip()}"
                )
    return restart


def run(env: Environment) -> list[str]:
    refusal = needs_postgresql("python -m bench faults")
    if refusal is not None:
        return [refusal]
    busy = wait_for_quiet(WAIT_FOR_TESTS_SECONDS)
    if busy:
        return [
            f"skipped: {busy} connection(s) to test databases (someone's test run) are still "
            f"open after waiting {WAIT_FOR_TESTS_SECONDS:.0f} s; restarting PostgreSQL would "
            "break that run"
        ]
    world = build_world(env, "faults", people=PEOPLE)
    with env.server(workers=WORKERS) as server:
        description = server.description
        try:
            run_ = drive(
                env, server, world, people=PEOPLE, seconds=SECONDS, meanwhile=restart_during
            )
        finally:
            # However the run ended, PostgreSQL must be running when the benchmark returns.
            if not is_ready():
                pg_ctlcluster("start")
                wait_until_ready()
        log_tail = server.log_tail(8)
    restart: Restart = run_.meanwhile
    connection.close()
    records = run_.records
    lines = [
        f"server: {description}; database connections kept 60 s and checked before reuse",
        f"clients: {PEOPLE} signed-in partner members doing load.py's loop for {SECONDS:.0f} s",
    ]
    if restart.refused:
        return [*lines, f"restart: {restart.refused}", *page_table(records)]

    def at(moment: float) -> str:
        return f"{moment - run_.started:6.2f} s"

    failed = [record for record in records if not record.ok]
    before = [record for record in failed if record.ended < restart.began]
    server_errors = [record for record in failed if record.status >= 500]
    without_page = [record for record in server_errors if not record.error_page]
    others = [record for record in failed if record.status < 500]
    back = restart.back
    first_success = next(
        (record for record in records if record.started >= back and record.ok), None
    )
    after = [record for record in records if record.started >= back]
    errors_after = [record for record in after if not record.ok]

    lines += [
        f"restart: {restart.command}",
        f"   began at {at(restart.began)}, returned at {at(restart.returned)} "
        f"({restart.returned - restart.began:.2f} s)",
        "   pg_isready (polled "
        f"{restart.polls} times): "
        + (
            f"refused connections from {at(restart.down)}, accepted them again from "
            f"{at(restart.back)}: down {restart.back - restart.down:.2f} s"
            if restart.down is not None
            else "never saw it down (the restart was quicker than a poll)"
        ),
        "",
        *page_table(records),
        "",
        f"total: {len(records):,} requests in {run_.seconds:.1f} s; "
        f"failed: {len(failed)} ({len(before)} before the restart began)",
        "failed requests: " + ("none" if not failed else statuses(failed)),
    ]
    for record in failed:
        lines.append(
            f"   {at(record.started)} → {at(record.ended)}  {record.page:<14} "
            f"{record.status or record.error}"
            + (
                "  the portal's error page"
                if record.error_page
                else ("  NOT the portal's error page" if record.status >= 500 else "")
            )
        )
    if failed:
        lines.append(
            f"   failures seen from {at(failed[0].started)} to {at(failed[-1].ended)}: "
            f"{failed[-1].ended - failed[0].started:.2f} s"
        )
    lines += [
        f"what people saw: {len(server_errors)} answered 500, "
        + (
            f"all with the portal's error page (“{ERROR_PAGE_HEADING}”)"
            if not without_page
            else f"{len(without_page)} WITHOUT the portal's error page"
        )
        + (f"; other failures: {statuses(others)}" if others else ""),
        "first success after PostgreSQL was back: "
        + (
            f"{first_success.page}, answered at {at(first_success.ended)}: "
            f"{first_success.ended - restart.began:.2f} s after the restart began, "
            f"{first_success.ended - back:.2f} s after PostgreSQL accepted connections again"
            if first_success
            else "none"
        ),
        f"after recovery (requests begun once PostgreSQL accepted connections again): "
        f"{len(after):,} requests, "
        f"{len(errors_after)} errors" + (f" ({statuses(errors_after)})" if errors_after else ""),
        f"activity: {len(run_.acknowledged)} acknowledged writes, {present(run_.acknowledged)} "
        f"present; POSTs sent again after a failure: "
        f"{sum(person.retried for person in run_.people)}",
        f"workers: {worker_memory(run_.watch)}",
    ]
    if restart.output:
        lines.append(f"pg_ctlcluster said: {restart.output}")
    if without_page or others or errors_after:
        lines.append(log_tail)
    return lines
