"""The task worker: runs queued e-mail, exports, scans and data-protection jobs until stopped.

It wraps django-tasks-db's worker and, between batches, does the housekeeping the queue needs:
a task left running by a worker that died is put back in the queue, and e-mail whose task was lost
is queued again. Every task is safe to run twice, so neither repeats an effect.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.crypto import get_random_string

HOUSEKEEPING_SECONDS = 60


def requeue_abandoned_tasks(now=None) -> int:
    """Put back in the queue the tasks a dead worker left marked running."""
    from django_tasks_db.models import DBTaskResult

    from lib import security_log

    now = now or timezone.now()
    stale = DBTaskResult.objects.running().filter(
        started_at__lt=now - timedelta(minutes=settings.TASK_STALE_MINUTES)
    )
    ids = list(stale.values_list("id", flat=True))
    if ids:
        DBTaskResult.objects.filter(id__in=ids, status="RUNNING").update(status="READY")
        security_log.event("task.requeued", tasks=[str(task_id) for task_id in ids])
    return len(ids)


def housekeeping() -> tuple[int, int]:
    """Queue again what the queue lost; returns (tasks, e-mails) queued again."""
    from outbox.services import requeue_overdue_email

    tasks = requeue_abandoned_tasks() if settings.TASKS_BACKEND == "database" else 0
    return tasks, requeue_overdue_email()


class Command(BaseCommand):
    help = (
        "Run the background task worker (database backend) until Ctrl-C or SIGTERM; run several "
        "on any machines that reach the database. --batch runs what is due, then exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run what is due, then exit.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )

    def handle(self, *args, batch: bool, interval: float, **options):
        if settings.TASKS_BACKEND != "database":
            raise CommandError(
                f"TASKS_BACKEND is {settings.TASKS_BACKEND!r}: with rq run `manage.py rqworker "
                "default --with-scheduler`; the immediate backend needs no worker."
            )
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=["default"],
            interval=interval,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        if not batch:
            worker.configure_signals()
        self.stdout.write(f"Task worker {worker.worker_id} started.")
        last_housekeeping = 0.0
        # The library's worker runs in batch mode (everything due, then return) inside this loop,
        # so that housekeeping happens between batches; Ctrl-C lets a running task finish.
        while worker.running:
            if time.monotonic() - last_housekeeping >= HOUSEKEEPING_SECONDS:
                housekeeping()
                last_housekeeping = time.monotonic()
            worker.run()
            if batch:
                return
            if worker.running:
                time.sleep(interval)
