"""TASKS_BACKEND=rq: the same tasks on RQ and a real Redis (database 6 of the local server)."""

import pytest
from django.urls import reverse

from outbox.models import OutgoingEmail
from tests.servers import redis_database

REDIS_URL = "redis://127.0.0.1:6379/6"


@pytest.fixture
def rq_tasks(settings):
    """Tasks go to RQ on Redis; the worker is rq's own, run here without forking."""
    connection = redis_database(REDIS_URL, needed_for="the RQ task backend")
    # Parallel test processes share this Redis database: one RQ test at a time.
    with connection.lock("portal-tests:rq", timeout=120, blocking_timeout=120):
        for key in connection.scan_iter("rq:*"):
            connection.delete(key)
        settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
        }
        yield connection
        for key in connection.scan_iter("rq:*"):
            connection.delete(key)


def run_rq_worker() -> None:
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    queue = django_rq.get_queue("default", job_class=Job)
    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    worker.work(burst=True, with_scheduler=True)


def test_rq_sends_the_mail_once_after_the_action_commits(
    rq_tasks, client_for, force_lead, force_a, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(force_lead).post(
            reverse("agencies:invitation-create", args=[force_a.slug]),
            {"email": "new.person@force-a.example", "role": "member"},
        )
    assert response.status_code == 302
    assert rq_tasks.llen("rq:queue:default") == 1
    run_rq_worker()
    assert len(smtp_server.messages) == 1
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
    run_rq_worker()
    assert len(smtp_server.messages) == 1


def test_rq_retries_after_a_back_off_in_its_scheduled_registry(
    rq_tasks, client_for, force_lead, force_a, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.handler.mode = "refuse"
    smtp_server.start()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(force_lead).post(
            reverse("agencies:invitation-create", args=[force_a.slug]),
            {"email": "new.person@force-a.example", "role": "member"},
        )
    run_rq_worker()
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 1)
    assert rq_tasks.zcard("rq:scheduled:default") == 1, "the retry waits in RQ's schedule"
    assert rq_tasks.zcard("rq:failed:default") == 1, "the failed attempt is kept for inspection"
