"""Two web instances and two task workers on PostgreSQL, Redis and S3: each e-mail sent just once.

The production shape of docs/deploy.md on one machine: Debian's nginx with deploy/nginx.conf in
front of two gunicorn instances (each its own process group, WEB_WORKERS sync workers each), which
nginx takes in turn, so that every person's requests go to both and each instance reads sessions
and CSRF tokens the other wrote; two task workers (`manage.py run_worker`, the Procfile's worker,
TASKS_BACKEND=database); one PostgreSQL database (DATABASE_URL: records, sessions, the task queue),
one Redis (REDIS_URL: the shared cache and sessions) and one S3-compatible store (SeaweedFS,
MEDIA_STORAGE=s3) holding the campaign's files, which nginx fetches with the portal's signed links
(DOWNLOADS_VIA=nginx).

The people are those of load.py, partner leads here: its loop (pages, downloads, a new activity
record), and after the home page an invitation to a colleague, which queues an e-mail. The
task workers send it to a real SMTP server run by the benchmark (aiosmtpd, tests/smtp_server.py).
Half-way through, that server is stopped for SMTP_DOWN_SECONDS and started again on the same port:
deliveries meanwhile fail and are tried again after TASK_RETRY_DELAYS' first delay. After the
people stop, the benchmark waits (at most DRAIN_SECONDS) until none of the run's e-mail waits, then
counts what the portal queued against the distinct Message-IDs the server received and the total it
received: each e-mail once, none lost, none twice.

Environment variables BENCH_SCALE_SECONDS, BENCH_SCALE_CLIENTS and BENCH_SCALE_WORKERS change the
run. It needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL), nginx and SeaweedFS.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Self
from urllib.parse import urlencode

from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from bench.environment import PROJECT, STARTUP_TIMEOUT_SECONDS, BenchError, Environment, Server
from bench.load import (
    PAGES as LOAD_PAGES,
)
from bench.load import (
    THINK_SECONDS,
    TOKEN,
    WARM_UP_LOOPS,
    PendingForm,
    Person,
    Record,
    WorkersWatch,
    World,
    build_world,
    let_loose,
    needs_postgresql,
    page_table,
    percentile,
    present,
    records_of,
    statuses,
    worker_memory,
)
from bench.measure import verdict

SECONDS = float(os.environ.get("BENCH_SCALE_SECONDS", "60"))
CLIENTS = int(os.environ.get("BENCH_SCALE_CLIENTS", "50"))
WEB_WORKERS = int(os.environ.get("BENCH_SCALE_WORKERS", "2"))  # per web instance
WEB_INSTANCES = 2
TASK_WORKERS = 2
SMTP_DOWN_SECONDS = 10.0
# Nothing may wait longer than a failed delivery's back-off, plus time to send what is queued.
DRAIN_SECONDS = settings.TASK_RETRY_DELAYS[0] + 120.0
# A late second copy of a message would arrive within this after the outbox looks drained.
SETTLE_SECONDS = 3.0
STOP_TIMEOUT_SECONDS = 15.0
COLLEAGUES_DOMAIN = "scale.example"

PAGES = [LOAD_PAGES[0], "invitation form", "invitation post", *LOAD_PAGES[1:]]


# --- People who also invite colleagues ------------------------------------------------------------
class Lead(Person):
    """A partner lead: the load benchmark's loop, with an invitation to a new colleague."""

    def __init__(self, *args, organisation: str, run_token: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.run_token = run_token
        self.invited: list[str] = []  # the addresses whose invitation was acknowledged
        self.invitations_started = 0
        self.pending_invitation: PendingForm | None = None

    def steps(self):
        # Early in the loop, so that a short run also sends e-mail while the mail server is away.
        home, *rest = super().steps()
        return [home, self.invite_colleague, *rest]

    def invite_colleague(self) -> None:
        path = f"/organisations/{self.organisation}/invite/"
        if self.pending_invitation is None:
            status, body = self.get("invitation form", path)
            token = TOKEN.search(body or b"")
            if status != 200 or token is None:
                return
            self.invitations_started += 1
            email = (
                f"colleague-{self.number}-{self.invitations_started}-{self.run_token}"
                f"@{COLLEAGUES_DOMAIN}"
            )
            form = {"csrfmiddlewaretoken": token.group(1).decode(), "email": email}
            form["role"] = "member"
            self.pending_invitation = PendingForm(email, urlencode(form).encode())
            if not self._filled_in():
                return
        # Sent again after a failure, as a person pressing the button again would.
        self.pending_invitation = self.post_pending(
            "invitation post",
            path,
            self.pending_invitation,
            acknowledged=self.invited,
            done=lambda location: location == f"/organisations/{self.organisation}/",
        )


def make_leads(world: World) -> dict[int, str]:
    """Make the world's people leads of their organisations (leads invite); their slugs by user."""
    from agencies.models import Membership

    memberships = Membership.objects.filter(user__in=world.users)
    memberships.update(role=Membership.Role.LEAD)
    return dict(memberships.values_list("user_id", "organisation__slug"))


# --- Task workers -------------------------------------------------------------------------------
class TaskWorker:
    """`manage.py run_worker` in its own process group, with its log in a file."""

    def __init__(self, env: Environment, variables: dict[str, str], number: int) -> None:
        self.variables = {**env.variables, **variables}
        self.log_path = env.root / f"task-worker-{number}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "run_worker"],
                cwd=PROJECT,
                env=self.variables,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
        try:
            self._wait_until_started()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _wait_until_started(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"run_worker exited with {self.process.returncode}.\n{self.log()}")
            if b"Task worker" in self.log_path.read_bytes():
                return
            time.sleep(0.05)
        raise BenchError(f"run_worker did not start within {STARTUP_TIMEOUT_SECONDS:.0f} s.")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM lets a running task finish; after STOP_TIMEOUT_SECONDS its group is killed."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log(self, lines: int = 20) -> str:
        tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "task worker log:\n" + "\n".join(f"  | {line}" for line in tail)


# --- The mail server going away -----------------------------------------------------------------
@dataclass
class Outage:
    """When the SMTP server was stopped and when it answered again: on the run's clock
    (perf_counter) and the wall clock (to compare with the times the portal stored)."""

    stopped: float = 0.0
    restarted: float = 0.0
    stopped_at: datetime | None = None
    restarted_at: datetime | None = None


def smtp_outage(mailbox, started: float) -> Outage:
    """Stop the mail server in the middle of the run for SMTP_DOWN_SECONDS, then start it again
    on the same port, keeping what it received."""
    outage = Outage()
    time.sleep(max(0.0, started + (SECONDS - SMTP_DOWN_SECONDS) / 2 - time.perf_counter()))
    mailbox.stop()
    outage.stopped, outage.stopped_at = time.perf_counter(), timezone.now()
    time.sleep(SMTP_DOWN_SECONDS)
    mailbox.start()
    outage.restarted, outage.restarted_at = time.perf_counter(), timezone.now()
    return outage


# --- A run --------------------------------------------------------------------------------------
@dataclass
class Run:
    people: list[Lead]
    records: list[Record]
    started: float
    ended: float
    outage: Outage
    watches: list[WorkersWatch]

    @property
    def seconds(self) -> float:
        return self.ended - self.started


def drive(
    env: Environment, port: int, webs: list[Server], world: World, mailbox, organisations
) -> Run:
    """CLIENTS leads for SECONDS through nginx at `port`, the mail server's outage meanwhile."""
    users = world.users[:CLIENTS]
    cookies = [env.sign_in(user) for user in users]
    warm_up(port, webs, world, cookies[0], organisations[users[0].pk], env.token)
    stop = threading.Event()
    started = time.perf_counter()
    deadline = started + SECONDS
    crowd = [
        Lead(
            number,
            port,
            cookies[number],
            world,
            deadline,
            stop,
            organisation=organisations[user.pk],
            run_token=env.token,
        )
        for number, user in enumerate(users)
    ]
    with ExitStack() as stack:
        watches = [stack.enter_context(WorkersWatch(web)) for web in webs]
        outage = let_loose(crowd, stop, deadline, meanwhile=lambda: smtp_outage(mailbox, started))
        ended = time.perf_counter()
    return Run(crowd, records_of(crowd), started, ended, outage, watches)


def warm_up(port, webs, world, cookies, organisation, token) -> None:
    """load.py's warm-up, through nginx and with the invitation: nginx takes the instances in turn,
    so every worker of both loads its code; and every page answers as it should."""
    person = Lead(
        -1,
        port,
        cookies,
        world,
        time.perf_counter() + 600,
        threading.Event(),
        organisation=organisation,
        run_token=token,
    )
    try:
        for _ in range(WARM_UP_LOOPS):
            for step in person.steps():
                step()
    finally:
        person.close()
    wrong = [record for record in person.records if not record.ok]
    if wrong:
        logs = "\n".join(web.log_tail(10) for web in webs)
        raise BenchError(f"During the warm-up: {statuses(wrong)}.\n{logs}")


# --- E-mail -------------------------------------------------------------------------------------
def run_email(token: str):
    """The outgoing e-mail of this run: the invitations to its colleagues' addresses."""
    from outbox.models import OutgoingEmail

    return OutgoingEmail.objects.filter(to__endswith=f"-{token}@{COLLEAGUES_DOMAIN}")


def drain(token: str) -> float | None:
    """Wait until none of the run's e-mail is waiting; the seconds it took, or None if it still
    was after DRAIN_SECONDS."""
    from outbox.models import OutgoingEmail

    started = time.perf_counter()
    while time.perf_counter() - started < DRAIN_SECONDS:
        if not run_email(token).filter(status=OutgoingEmail.Status.PENDING).exists():
            return time.perf_counter() - started
        time.sleep(0.5)
    return None


def email_lines(token: str, mailbox, drained: float | None, outage: Outage, run: Run) -> list[str]:
    from outbox.models import OutgoingEmail
    from outbox.tasks import _message_id

    queued = list(run_email(token))
    expected = {_message_id(email) for email in queued}
    ours = [
        message
        for message in list(mailbox.messages)
        if str(message["To"]).endswith(f"-{token}@{COLLEAGUES_DOMAIN}")
    ]
    received = Counter(str(message["Message-ID"]) for message in ours)
    distinct = set(received)
    duplicated = {message_id: count for message_id, count in received.items() if count > 1}
    lost = expected - distinct
    unknown = distinct - expected
    status = Counter(email.status for email in queued)
    retried = [email for email in queued if email.attempts > 1]
    first_time = [
        (email.sent_at - email.created_at).total_seconds()
        for email in queued
        if email.attempts == 1 and email.sent_at is not None
    ]
    down_from = outage.stopped - run.started
    down_to = outage.restarted - run.started
    during = [
        email for email in queued if outage.stopped_at <= email.created_at < outage.restarted_at
    ]
    exactly_once = not lost and not duplicated and not unknown and len(ours) == len(queued)
    lines = [
        f"SMTP server stopped from {down_from:.1f} s to {down_to:.1f} s into the run "
        f"({outage.restarted - outage.stopped:.1f} s), started again on the same port",
        "outbox drained: "
        + (
            f"{drained:.1f} s after the people stopped"
            if drained is not None
            else f"NOT within {DRAIN_SECONDS:.0f} s after the people stopped"
        )
        + f" (a failed delivery is tried again after {settings.TASK_RETRY_DELAYS[0]} s)",
        f"e-mail queued by the portal: {len(queued)} invitations "
        f"({len(during)} of them while the SMTP server was stopped); "
        f"status: {', '.join(f'{name} {count}' for name, count in sorted(status.items()))}",
        f"delivery attempts: {sum(email.attempts for email in queued)} "
        f"for {len(queued)} e-mails; tried more than once: {len(retried)}",
        f"received by the SMTP server: {len(distinct)} distinct Message-IDs, {len(ours)} messages "
        f"in all; duplicates: {len(ours) - len(distinct)}; lost (queued, never received): "
        f"{len(lost)}; received but never queued: {len(unknown)}",
        f"   target: every queued e-mail received exactly once: {verdict(exactly_once)}",
    ]
    if first_time:
        lines.append(
            f"queued to accepted by the SMTP server, first attempts: "
            f"p50 {percentile(first_time, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(first_time, 0.95) * 1000:.0f} ms"
        )
    if duplicated:
        lines.append(f"   received more than once: {sorted(duplicated.items())[:5]}")
    if status.get(OutgoingEmail.Status.FAILED):
        failed = next(e for e in queued if e.status == OutgoingEmail.Status.FAILED)
        lines.append(f"   a failed e-mail's last error: {failed.last_error[:200]}")
    return lines


# --- The benchmark ------------------------------------------------------------------------------
COMMAND = "REDIS_URL=redis://127.0.0.1:6379/0 python -m bench scale"


def needs_redis() -> str | None:
    if not os.environ.get("REDIS_URL"):
        return (
            "skipped: this benchmark needs Redis, the cache and sessions several web servers "
            "share, and REDIS_URL is not set. Run it as, e.g., "
            f"DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench {COMMAND}"
        )
    return None


def _requests_served(web: Server) -> int:
    """Requests in the instance's access log (gunicorn.conf.py's accesslog, in its log file)."""
    text = web.log_path.read_text(errors="replace")
    return sum(1 for line in text.splitlines() if '"GET ' in line or '"POST ' in line)


def run(env: Environment) -> list[str]:
    refusal = needs_postgresql(COMMAND) or needs_redis()
    if refusal is not None:
        return [refusal]
    from tests.servers import nginx, seaweedfs
    from tests.smtp_server import SMTPServer

    with ExitStack() as stack:
        store = stack.enter_context(seaweedfs(env.root / "seaweedfs"))
        # The campaign's files are written to the store through the portal's S3 storage.
        with override_settings(STORAGES={**settings.STORAGES, "default": store.storage_settings()}):
            world = build_world(env, "scale", people=CLIENTS)
        organisations = make_leads(world)
        mailbox = SMTPServer().start()
        stack.callback(mailbox.stop)
        variables = {
            **store.environment(),
            "REDIS_URL": os.environ["REDIS_URL"],
            "TASKS_BACKEND": "database",
            "DOWNLOADS_VIA": "nginx",
            "TRUSTED_PROXY_COUNT": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(mailbox.port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_TIMEOUT": "10",
        }
        webs = [env.server(workers=WEB_WORKERS, variables=variables) for _ in range(WEB_INSTANCES)]
        front = stack.enter_context(
            nginx(
                env.root / "nginx",
                web_address=[f"127.0.0.1:{web.port}" for web in webs],
                media_root=env.media_root,
                static_root=env.static_root,
                s3_endpoint=store.endpoint,
            )
        )
        for web in webs:
            # The people's Origin names nginx's port, which nginx's Host header leaves out.
            web.variables["CSRF_TRUSTED_ORIGINS"] = front.url
            stack.enter_context(web)
        workers = [
            stack.enter_context(TaskWorker(env, variables, number))
            for number in range(TASK_WORKERS)
        ]
        served_before = [_requests_served(web) for web in webs]
        run_ = drive(env, front.port, webs, world, mailbox, organisations)
        drained = drain(env.token)
        time.sleep(SETTLE_SECONDS)
        served = [
            _requests_served(web) - before for web, before in zip(webs, served_before, strict=True)
        ]
        workers_alive = sum(worker.running for worker in workers)
        lines = _describe(env, webs, world)
        lines += _request_lines(run_, served)
        lines += ["", *email_lines(env.token, mailbox, drained, run_.outage, run_)]
        lines.append(
            f"task workers: {TASK_WORKERS} started, {workers_alive} still running at the end"
        )
        if workers_alive < TASK_WORKERS:
            lines += [worker.log() for worker in workers if not worker.running]
        if any(record.status >= 500 or record.status == 0 for record in run_.records):
            lines += [web.log_tail(15) for web in webs]
    return lines


def _describe(env: Environment, webs: list[Server], world: World) -> list[str]:
    return [
        f"web: nginx (deploy/nginx.conf) in front of {WEB_INSTANCES} gunicorn instances, taken in "
        f"turn, each its own process group with {WEB_WORKERS} sync workers "
        f"({', '.join(web.description for web in webs)})",
        f"tasks: {TASK_WORKERS} task workers (manage.py run_worker, TASKS_BACKEND=database)",
        f"stores: {env.database_description()}; Redis {os.environ['REDIS_URL']} (cache and "
        "sessions); SeaweedFS S3 (MEDIA_STORAGE=s3, downloads through nginx)",
        f"clients: {CLIENTS} signed-in partner leads (threads, http.client, keep-alive to nginx), "
        f"think time {THINK_SECONDS[0] * 1000:.0f}–{THINK_SECONDS[1] * 1000:.0f} ms, "
        f"for {SECONDS:.0f} s; {os.cpu_count()} CPUs shared by all of it",
        f"data: campaign “{world.campaign.name}”, {len(world.material_ids)} approved pieces of "
        f"material ({len(world.file_material_ids)} files in S3), "
        f"{world.activity_before} activity records",
        f"loop: {', '.join(PAGES)}",
        "",
    ]


def _request_lines(run: Run, served: list[int]) -> list[str]:
    from agencies.models import Invitation

    records = run.records
    server_errors = [record for record in records if record.status >= 500]
    no_answer = [record for record in records if record.status == 0]
    unexpected = [record for record in records if not record.ok and 0 < record.status < 500]
    during = [
        record
        for record in records
        if record.started < run.outage.restarted and record.ended > run.outage.stopped
    ]
    activity = [key for person in run.people for key in person.acknowledged]
    invited = [email for person in run.people for email in person.invited]
    invitations = (
        Invitation.objects.filter(email__in=invited, revoked_at__isnull=True)
        .values("email")
        .distinct()
        .count()
    )
    found = present(activity)
    return [
        *page_table(records, PAGES),
        "",
        f"total: {len(records):,} requests in {run.seconds:.1f} s = "
        f"{len(records) / run.seconds:,.1f} requests/s; served by instance "
        + " and ".join(f"{index + 1}: {count:,}" for index, count in enumerate(served))
        + " (the warm-up's included)",
        "server errors: " + ("0" if not server_errors else statuses(server_errors)),
        "no answer (connection errors): " + ("none" if not no_answer else statuses(no_answer)),
        "other unexpected answers: " + ("none" if not unexpected else statuses(unexpected)),
        f"while the SMTP server was stopped: {len(during):,} requests, "
        f"{sum(not record.ok for record in during)} not as expected",
        f"activity: {len(activity)} acknowledged writes, {found} present (by submission key); "
        f"invitations: {len(invited)} acknowledged, {invitations} present (open, by address); "
        f"POSTs sent again after a failure: {sum(person.retried for person in run.people)}",
        f"   target: every acknowledged write present: "
        f"{verdict(found == len(activity) and invitations == len(invited))}",
        *(
            f"web instance {index + 1}: {worker_memory(watch)}"
            for index, watch in enumerate(run.watches)
        ),
    ]
