"""The worker's side of the outbox: hand one stored message to the mail server, once."""

from datetime import timedelta
from hashlib import sha256

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from lib.emails import RenderedEmail, send_message
from lib.tasks import retry_delay, retry_later
from outbox.models import OutgoingEmail


class EmailNotSent(Exception):
    """The mail server did not take the message; it is tried again later."""


def _message_id(email: OutgoingEmail) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return f"<{sha256(email.key.encode()).hexdigest()[:32]}@{domain}>"


@task()
def deliver_email(email_id: int, attempt: int = 1) -> str:
    """Send one outgoing e-mail unless it is already sent or another worker is sending it.

    The message is claimed with a conditional update before the mail server is contacted, and
    marked sent right after it accepts it: a retry, a second copy of this task or a task picked up
    again after its worker died finds it sent (or claimed) and does nothing. Only a worker killed
    between the server's acceptance and that update leaves it unsent; it is then sent again, with
    the same Message-ID.
    """
    now = timezone.now()
    hold = timedelta(seconds=settings.EMAIL_TIMEOUT * 4 + 60)
    claimed = (
        OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + hold, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "already sent, being sent, or given up"
    email = OutgoingEmail.objects.get(pk=email_id)
    try:
        send_message(
            RenderedEmail(subject=email.subject, text=email.text, html=email.html),
            email.to,
            message_id=_message_id(email),
        )
    except Exception as error:
        delay = retry_delay(email.attempts)
        OutgoingEmail.objects.filter(pk=email.pk).update(
            claimed_until=None,
            last_error=f"{type(error).__name__}: {error}"[:1000],
            status=(
                OutgoingEmail.Status.PENDING if delay is not None else OutgoingEmail.Status.FAILED
            ),
            next_attempt_at=timezone.now() + (delay or timedelta(0)),
        )
        retry_later(deliver_email, email.pk, attempt=email.attempts, error=error)
        # Raised so the task's own record shows the failure (and its traceback) in the admin.
        raise EmailNotSent(f"Outgoing e-mail {email.pk} not sent: {error}") from error
    # The bodies go once sent: they may hold an invitation or password-reset link, which the
    # database otherwise keeps only as a hash.
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENT,
        sent_at=timezone.now(),
        claimed_until=None,
        last_error="",
        text="",
        html="",
    )
    return "sent"
