"""E-mail leaves the request: the action commits, the task worker sends the mail to a real SMTP
server, and a server that refuses, hangs or is down never costs the action or a second copy."""

import json
import logging
import socket
import time
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from agencies.models import Invitation
from outbox.models import OutgoingEmail
from outbox.tasks import deliver_email
from tests.factories import make_user


def invite(client_for, lead, organisation, email="new.person@force-a.example"):
    return client_for(lead).post(
        reverse("agencies:invitation-create", args=[organisation.slug]),
        {"email": email, "role": "member"},
    )


def make_due(**filters) -> None:
    """Time passes: the retries waiting in the queue come due."""
    DBTaskResult.objects.filter(status="READY", **filters).update(run_after=timezone.now())


def security_events(caplog, name):
    return [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "portal.security" and json.loads(record.getMessage())["event"] == name
    ]


def test_the_request_only_stores_the_mail_and_the_worker_sends_it_once(
    client_for, force_lead, force_a, smtp_server, run_tasks
):
    smtp_server.start()
    response = invite(client_for, force_lead, force_a)
    assert response.status_code == 302
    assert smtp_server.handler.attempts == 0, "the web request never talks to the mail server"
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.PENDING
    run_tasks()
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "new.person@force-a.example"
    assert message["Message-ID"].endswith("@localhost>")
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert email.text == "" and email.html == "", "the invitation link is not kept once sent"
    run_tasks()
    assert deliver_email.call(email.pk) == "already sent, being sent, or given up"
    assert len(smtp_server.messages) == 1


def test_a_refusing_server_leaves_the_invitation_made_and_the_failure_visible(
    client_for, force_lead, force_a, staff, smtp_server, run_tasks, caplog
):
    caplog.set_level(logging.WARNING, logger="portal.security")
    smtp_server.handler.mode = "refuse"
    smtp_server.start()
    response = invite(client_for, force_lead, force_a)
    assert response.status_code == 302
    assert Invitation.objects.filter(email="new.person@force-a.example").exists()
    run_tasks()
    assert smtp_server.handler.attempts == 1
    assert smtp_server.messages == []
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 1)
    assert "554" in email.last_error
    failed = DBTaskResult.objects.get(status="FAILED")
    assert "EmailNotSent" in failed.traceback
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after > timezone.now() + timedelta(seconds=50), "retried after a back-off"
    [event] = security_events(caplog, "task.failed")
    assert event["task"] == "deliver_email" and event["will_retry"] is True
    admin = client_for(staff)
    page = admin.get(reverse("admin:outbox_outgoingemail_changelist"))
    assert "Waiting to be sent" in page.content.decode()
    tasks = admin.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    assert "deliver_email" in tasks.content.decode()


def test_a_hanging_server_times_out_and_the_mail_waits(
    client_for, force_lead, force_a, smtp_server, run_tasks
):
    smtp_server.handler.mode = "hang"
    smtp_server.start()
    assert invite(client_for, force_lead, force_a).status_code == 302
    run_tasks()
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.PENDING
    assert "timed out" in email.last_error.lower()
    assert email.claimed_until is None, "the next attempt may go ahead"


def test_a_server_that_never_says_hello_costs_one_attempt_of_email_timeout(
    client_for, force_lead, force_a, smtp_server, run_tasks, settings
):
    # A port that takes connections (the kernel completes them) and never answers: a mail server
    # hung at its greeting, or a firewall that swallows the traffic.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        settings.EMAIL_PORT = silent.getsockname()[1]
        assert invite(client_for, force_lead, force_a).status_code == 302
        started = time.monotonic()
        run_tasks()
        waited = time.monotonic() - started
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 1)
    assert "timed out" in email.last_error.lower()
    assert email.claimed_until is None
    assert settings.EMAIL_TIMEOUT <= waited < settings.EMAIL_TIMEOUT + 5, "EMAIL_TIMEOUT, no more"
    assert DBTaskResult.objects.get(status="READY").run_after > timezone.now()


def test_a_server_that_is_down_then_back_gets_the_mail_exactly_once(
    client_for, force_lead, force_a, smtp_server, run_tasks
):
    assert invite(client_for, force_lead, force_a).status_code == 302
    run_tasks()
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.PENDING
    assert "refused" in email.last_error.lower()
    smtp_server.start()
    run_tasks()
    assert smtp_server.messages == [], "nothing is tried before the back-off is over"
    make_due()
    run_tasks()
    make_due()
    run_tasks()
    assert len(smtp_server.messages) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.SENT, 2)


def test_after_the_last_attempt_the_mail_is_failed_and_an_administrator_can_send_it_again(
    client_for, force_lead, force_a, staff, smtp_server, run_tasks, settings
):
    settings.TASK_RETRY_DELAYS = [0, 0]
    smtp_server.handler.mode = "refuse"
    smtp_server.start()
    invite(client_for, force_lead, force_a)
    run_tasks()
    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.FAILED, 3)
    assert smtp_server.handler.attempts == 3
    assert DBTaskResult.objects.filter(status="FAILED").count() == 3
    smtp_server.handler.mode = "accept"
    admin = client_for(staff)
    response = admin.post(
        reverse("admin:outbox_outgoingemail_changelist"),
        {"action": "send_again", "_selected_action": [email.pk]},
    )
    assert response.status_code == 302
    run_tasks()
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert len(smtp_server.messages) == 1


def test_a_task_left_running_by_a_dead_worker_runs_again_and_sends_once(
    client_for, force_lead, force_a, smtp_server, run_tasks
):
    smtp_server.start()
    invite(client_for, force_lead, force_a)
    email = OutgoingEmail.objects.get()
    # The worker claimed the task and the message, then died before talking to the server.
    long_ago = timezone.now() - timedelta(hours=2)
    DBTaskResult.objects.update(status="RUNNING", started_at=long_ago, worker_ids=["dead"])
    OutgoingEmail.objects.filter(pk=email.pk).update(claimed_until=long_ago, attempts=1)
    run_tasks()
    assert len(smtp_server.messages) == 1
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids[0] == "dead" and len(task.worker_ids) == 2
    run_tasks()
    assert len(smtp_server.messages) == 1


def test_a_task_whose_worker_died_after_sending_does_not_send_again(
    client_for, force_lead, force_a, smtp_server, run_tasks
):
    smtp_server.start()
    invite(client_for, force_lead, force_a)
    email = OutgoingEmail.objects.get()
    # The worker sent the message and recorded it, then died before marking its task done.
    assert deliver_email.call(email.pk) == "sent"
    DBTaskResult.objects.update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=2), worker_ids=["dead"]
    )
    run_tasks()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert len(smtp_server.messages) == 1


def test_a_task_running_on_a_live_worker_is_left_alone(
    client_for, force_lead, force_a, smtp_server, run_tasks
):
    smtp_server.start()
    invite(client_for, force_lead, force_a)
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now(), worker_ids=["busy"])
    run_tasks()
    assert smtp_server.messages == []
    assert DBTaskResult.objects.get().status == "RUNNING"


def test_mail_whose_task_was_lost_is_queued_again_by_the_sweeper(
    client_for, force_lead, force_a, smtp_server, run_tasks
):
    smtp_server.start()
    invite(client_for, force_lead, force_a)
    DBTaskResult.objects.all().delete()  # the queue lost it
    OutgoingEmail.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    run_tasks()
    assert len(smtp_server.messages) == 1


def test_subjects_and_text_are_plain_text(client_for, force_a, smtp_server, run_tasks):
    smtp_server.start()
    lead = make_user("lead@force-a.example", organisation=force_a, role="lead")
    lead.full_name = "Seán O'Brien & Co"
    lead.save()
    invite(client_for, lead, force_a)
    run_tasks()
    message = smtp_server.messages[0]
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject.startswith("Seán O'Brien & Co invited you")
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    assert "O'Brien & Co" in body
    assert "&#x27;" not in body and "&amp;" not in body


@pytest.mark.django_db(transaction=True)
def test_with_the_immediate_backend_the_mail_goes_when_the_action_commits(
    immediate_tasks, client_for, force_lead, force_a
):
    assert invite(client_for, force_lead, force_a).status_code == 302
    assert [message.to for message in mail.outbox] == [["new.person@force-a.example"]]
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
    assert not DBTaskResult.objects.exists()


def test_sweep_tasks_queues_again_what_the_queue_lost(
    client_for, force_lead, force_a, smtp_server, run_tasks
):
    from io import StringIO

    from django.core.management import call_command

    smtp_server.start()
    invite(client_for, force_lead, force_a)
    DBTaskResult.objects.all().delete()
    OutgoingEmail.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    out = StringIO()
    call_command("sweep_tasks", stdout=out)
    assert "0 task(s) and 1 e-mail(s) queued again." in out.getvalue()
    run_tasks()
    assert len(smtp_server.messages) == 1
