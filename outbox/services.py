"""Queueing e-mail: write it in the caller's transaction, send it from the task worker."""

from collections.abc import Iterable
from datetime import timedelta
from hashlib import sha256

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lib.emails import render_email
from lib.tasks import enqueue_after_commit
from outbox.models import OutgoingEmail
from outbox.tasks import deliver_email

# A waiting message this far past its time had its task lost (e.g. the queue was unreachable
# when the action committed); the sweeper queues it again.
OVERDUE = timedelta(minutes=5)


def _enqueue(email_id: int) -> None:
    deliver_email.enqueue(email_id)


def queue_email(
    template: str, recipients: Iterable[str], context: dict, *, key: str
) -> list[OutgoingEmail]:
    """Render templates/emails/<template>/ and keep one message per recipient, sent after commit.

    `key` names the event (e.g. "invitation:12"); with the recipient it makes each message's unique
    key, so calling this twice for the same event and person stores (and sends) one message. Each
    recipient gets their own message so that nobody sees who else was told.
    """
    recipients = list(dict.fromkeys(recipient for recipient in recipients if recipient))
    if not recipients:
        return []
    rendered = render_email(template, context)
    now = timezone.now()
    created = []
    with transaction.atomic():
        for recipient in recipients:
            digest = sha256(recipient.lower().encode()).hexdigest()[:24]
            email, made = OutgoingEmail.objects.get_or_create(
                key=f"{key[:200]}:{digest}",
                defaults={
                    "template": template,
                    "to": recipient,
                    "subject": rendered.subject[:255],
                    "text": rendered.text,
                    "html": rendered.html,
                    "created_at": now,
                    "next_attempt_at": now,
                },
            )
            if made:
                created.append(email)
                enqueue_after_commit(deliver_email, email.pk)
    return created


def requeue_overdue_email(now=None) -> int:
    """Queue again every waiting message whose time passed long ago. Safe to run at any time:
    a message that is already sent or being sent is left alone by its task."""
    now = now or timezone.now()
    overdue = OutgoingEmail.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        status=OutgoingEmail.Status.PENDING,
        next_attempt_at__lt=now - OVERDUE,
    ).values_list("pk", flat=True)
    count = 0
    for email_id in overdue:
        _enqueue(email_id)
        count += 1
    return count


def try_again(emails: Iterable[OutgoingEmail]) -> int:
    """For a system administrator: send failed messages again, now."""
    now = timezone.now()
    ids = [email.pk for email in emails if email.status != OutgoingEmail.Status.SENT]
    OutgoingEmail.objects.filter(pk__in=ids).update(
        status=OutgoingEmail.Status.PENDING, next_attempt_at=now, claimed_until=None, attempts=0
    )
    for email_id in ids:
        enqueue_after_commit(deliver_email, email_id)
    return len(ids)
