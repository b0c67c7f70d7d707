"""Outgoing e-mail names its recipient: a message sent (or given up) OUTBOX_RETENTION_DAYS ago is
deleted. Its body is gone already: it is erased the moment the mail server accepts it."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from outbox.models import OutgoingEmail


def delete_old_email(*, now: datetime | None = None, dry_run: bool = False) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    old = OutgoingEmail.objects.filter(
        created_at__lt=cutoff,
        status__in=[OutgoingEmail.Status.SENT, OutgoingEmail.Status.FAILED],
    )
    if dry_run:
        return old.count()
    return old.delete()[0]
