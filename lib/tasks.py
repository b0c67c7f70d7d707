"""Retrying background tasks with back-off, and telling system administrators when one fails.

Every task the portal runs is safe to run twice (it checks what it already did), so trying again
after a failure, or after a worker died half-way, never repeats its effect.
"""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lib import security_log


def retry_delay(attempt: int) -> timedelta | None:
    """How long to wait before the attempt after `attempt`; None once every attempt is used."""
    delays = settings.TASK_RETRY_DELAYS
    if attempt > len(delays):
        return None
    return timedelta(seconds=delays[attempt - 1])


def retry_later(task, *args, attempt: int, error: BaseException, **kwargs) -> bool:
    """Enqueue `task` again after the back-off for this attempt and write the failure to the
    security log. Returns False when no attempt is left (the failure stays for an administrator).
    """
    delay = retry_delay(attempt)
    security_log.event(
        "task.failed",
        task=task.name,
        attempt=attempt,
        will_retry=delay is not None,
        # The kind of failure only: the message may name a recipient. The admin shows it in full.
        error=type(error).__name__,
        code=getattr(error, "smtp_code", None),
    )
    if delay is None:
        return False
    if not task.get_backend().supports_defer:
        # The immediate backend (tests only) has no queue to wait in: the sweeper tries later.
        return False
    task.using(run_after=timezone.now() + delay).enqueue(*args, attempt=attempt + 1, **kwargs)
    return True


def enqueue_after_commit(task, *args, **kwargs) -> None:
    """Queue a task so that it runs only if the current transaction commits.

    With the database backend the task's row is written in the transaction itself: it commits with
    the action or not at all, and no worker sees it before. Other backends (Redis) get it once the
    transaction has committed; `robust` means a queue that cannot be reached is logged and never
    undoes the committed action (the outbox's sweeper queues e-mail again).
    """
    from django_tasks_db import DatabaseBackend

    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(partial(task.enqueue, *args, **kwargs), robust=True)
