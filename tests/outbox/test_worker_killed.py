"""A task worker killed mid-task, for real: `manage.py run_worker` (the Procfile's worker, with
TASKS_BACKEND=database) runs in its own process against a database this test also reads, sends an
invitation to a real SMTP server (aiosmtpd), and is killed with SIGKILL while it is sending. A new
worker process then finds the abandoned task and the message and sends it, once.

The worker's recovery waits for time to pass (a task is abandoned TASK_STALE_MINUTES after it
started; a message's claim lasts EMAIL_TIMEOUT * 4 + 60 s): rather than wait, the test moves the
recorded times an hour back, as an hour passing would.

On PostgreSQL the worker uses the test database itself. On SQLite the test database lives in this
process's memory, which no other process can open, so it is copied to a file for the worker (with
SQLite's backup API) and copied back to be read.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from outbox.models import OutgoingEmail
from tests.servers import BASE_DIR, stop

pytestmark = pytest.mark.django_db(transaction=True)

# Long enough that the worker is surely killed while the server is still taking the message.
SLOW_SERVER_SECONDS = 30
UNFINISHED = ("READY", "RUNNING")


class WorkerDatabase:
    """The database the worker processes use, holding what the test wrote through the ORM."""

    def __init__(self, folder: Path):
        self.sqlite_file = folder / "worker.sqlite3" if connection.vendor == "sqlite" else None

    @property
    def url(self) -> str:
        if self.sqlite_file is not None:
            return f"sqlite:///{self.sqlite_file}"
        params = connection.settings_dict
        password = f":{quote(params['PASSWORD'], safe='')}" if params["PASSWORD"] else ""
        return (
            f"postgres://{quote(params['USER'], safe='')}{password}@{params['HOST'] or '127.0.0.1'}"
            f":{params['PORT'] or 5432}/{params['NAME']}"
        )

    def hand_to_workers(self) -> None:
        """What the test wrote is seen by the next worker (call while no worker runs)."""
        if self.sqlite_file is not None:
            connection.ensure_connection()
            with sqlite3.connect(self.sqlite_file) as copy:
                connection.connection.backup(copy)

    def take_back(self) -> None:
        """What the workers wrote is seen by the test's ORM (call while no worker runs)."""
        if self.sqlite_file is not None:
            connection.ensure_connection()
            with sqlite3.connect(self.sqlite_file) as copy:
                copy.backup(connection.connection)

    def unfinished_tasks(self) -> int:
        """Tasks still waiting or running, read while a worker runs."""
        sql = "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN (%s, %s)"
        if self.sqlite_file is None:
            with connection.cursor() as cursor:
                cursor.execute(sql, UNFINISHED)
                return cursor.fetchone()[0]
        with sqlite3.connect(self.sqlite_file, timeout=10) as reader:
            return reader.execute(sql.replace("%s", "?"), UNFINISHED).fetchone()[0]


class Worker:
    """`manage.py run_worker`, as the Procfile starts it, in a process of its own."""

    def __init__(self, database: WorkerDatabase, smtp_port: int, log: Path):
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"}
        }
        environment.update(
            SECRET_KEY="worker-test-only-not-a-secret",
            DEBUG="false",
            ALLOWED_HOSTS="testserver",
            PORTAL_BASE_URL="http://testserver",
            DATABASE_URL=database.url,
            TASKS_BACKEND="database",
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            EMAIL_USE_TLS="false",
            EMAIL_TIMEOUT=str(SLOW_SERVER_SECONDS * 2),
            # Its output reaches the log as written: a killed process flushes nothing.
            PYTHONUNBUFFERED="1",
        )
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - this project's own manage.py
                [sys.executable, "manage.py", "run_worker", "--interval", "0.2"],
                cwd=BASE_DIR,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def freeze(self) -> None:
        """SIGSTOP: the process does nothing more, not even read what the server answers."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def kill(self) -> None:
        """SIGKILL: no handler, no clean-up, as when the machine or the OOM killer stops it."""
        self.process.kill()
        assert self.process.wait(timeout=10) == -signal.SIGKILL

    def stop(self) -> None:
        stop(self.process, timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until(condition, *, timeout: float, what: str, worker: Worker) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.process.poll() is not None:
            raise AssertionError(f"the worker stopped before {what}:\n{worker.output()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout} s:\n{worker.output()}")
        time.sleep(0.1)


def an_hour_passes() -> None:
    hour = timedelta(hours=1)
    DBTaskResult.objects.update(enqueued_at=F("enqueued_at") - hour)
    DBTaskResult.objects.filter(started_at__isnull=False).update(started_at=F("started_at") - hour)
    OutgoingEmail.objects.update(
        created_at=F("created_at") - hour, next_attempt_at=F("next_attempt_at") - hour
    )
    OutgoingEmail.objects.filter(claimed_until__isnull=False).update(
        claimed_until=F("claimed_until") - hour
    )


@pytest.fixture
def smtp(smtp_server):
    smtp_server.start()
    return smtp_server


@pytest.fixture
def database(tmp_path):
    return WorkerDatabase(tmp_path)


@pytest.fixture
def workers(database, smtp, tmp_path):
    """Starts worker processes; any still running at the end is stopped."""
    started = []

    def start() -> Worker:
        worker = Worker(database, smtp.port, tmp_path / f"worker-{len(started) + 1}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def first_worker_id(worker: Worker) -> str:
    started = next(line for line in worker.output().splitlines() if "Task worker" in line)
    return started.split("Task worker ", 1)[1].split()[0]


def invite_someone(client_for, force_lead, force_a) -> OutgoingEmail:
    response = client_for(force_lead).post(
        reverse("agencies:invitation-create", args=[force_a.slug]),
        {"email": "new.person@force-a.example", "role": "member"},
    )
    assert response.status_code == 302
    return OutgoingEmail.objects.get()


def drain_with_a_new_worker(workers, database, smtp) -> Worker:
    """Start a new worker after the kill and let it run until nothing is left to do."""
    worker = workers()
    wait_until(
        lambda: smtp.messages and database.unfinished_tasks() == 0,
        timeout=60,
        what="mail sent and queue empty",
        worker=worker,
    )
    worker.stop()
    database.take_back()
    return worker


def test_a_worker_killed_while_the_server_is_still_taking_the_mail_leaves_it_to_the_next(
    client_for, force_lead, force_a, smtp, database, workers
):
    email = invite_someone(client_for, force_lead, force_a)
    smtp.handler.mode = "slow"
    smtp.handler.slow_seconds = SLOW_SERVER_SECONDS
    database.hand_to_workers()
    first = workers()
    wait_until(smtp.handler.data_arrived.is_set, timeout=60, what="message data", worker=first)
    first.kill()
    database.take_back()

    # What the dead worker left: its task running, the message claimed, nothing delivered.
    task = DBTaskResult.objects.get()
    assert (task.status, len(task.worker_ids)) == ("RUNNING", 1)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 1)
    assert email.claimed_until is not None
    assert smtp.messages == [], "the server drops a message whose sender went away"

    an_hour_passes()
    database.hand_to_workers()
    smtp.handler.mode = "accept"
    second = drain_with_a_new_worker(workers, database, smtp)

    assert len(smtp.messages) == 1, second.output()
    assert smtp.messages[0]["To"] == "new.person@force-a.example"
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.SENT, 2)
    task.refresh_from_db()
    assert (task.status, task.return_value) == ("SUCCESSFUL", "sent"), "the task itself ran again"
    assert task.worker_ids[0] == first_worker_id(first) and len(task.worker_ids) == 2
    # The sweeper queued the overdue message a second time too: that copy found it sent.
    others = DBTaskResult.objects.exclude(pk=task.pk)
    assert [(t.status, t.return_value) for t in others] == [
        ("SUCCESSFUL", "already sent, being sent, or given up")
    ]


def test_a_worker_killed_after_the_server_took_the_mail_sends_it_again_with_the_same_id(
    client_for, force_lead, force_a, smtp, database, workers
):
    """The one case the worker cannot tell apart from a mail never sent: the server accepted it
    and the worker died before recording that. It is sent again, at least once rather than at
    most once (an invitation or a password reset that never arrives is worse than two), and with
    the same Message-ID, by which receiving servers and mail programs recognise the copy."""
    email = invite_someone(client_for, force_lead, force_a)
    database.hand_to_workers()
    first = workers()
    # The worker is frozen as the server accepts, before it can read the answer: it is killed
    # after the acceptance and before recording it, whatever its speed.
    smtp.handler.before_accepting = first.freeze
    wait_until(lambda: smtp.messages, timeout=60, what="accepted message", worker=first)
    first.kill()
    smtp.handler.before_accepting = None
    database.take_back()
    assert DBTaskResult.objects.get().status == "RUNNING"
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.PENDING, "the acceptance was never recorded"

    an_hour_passes()
    database.hand_to_workers()
    [accepted] = smtp.messages
    smtp.messages.clear()
    drain_with_a_new_worker(workers, database, smtp)

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert len(smtp.messages) == 1, "sent again once, not once per worker or per task"
    assert smtp.messages[0]["Message-ID"] == accepted["Message-ID"]
    assert not DBTaskResult.objects.filter(status__in=UNFINISHED).exists()
