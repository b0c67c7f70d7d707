"""Anonymising people who left: a deactivated person is anonymised DEACTIVATED_RETENTION_DAYS
after they were deactivated; what they did stays, pointing at the anonymised account (see
docs/data-protection.md). With dry_run the run is rolled back: it does exactly what the real run
would do, and reports it, but keeps nothing."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django_otp import devices_for_user

from agencies.models import Invitation, User
from agencies.personal_data import person_links
from audit.models import AuditEntry
from audit.services import record

ANONYMISED_DOMAIN = "anonymised.invalid"


@dataclass
class Anonymised:
    """Who was (or, in a dry run, would be) anonymised, by account number only."""

    user_ids: list[int] = field(default_factory=list)
    sessions_ended: int = 0
    devices_removed: int = 0
    addresses_replaced: int = 0


def anonymised_email(user_id: int) -> str:
    return f"former-member-{user_id}@{ANONYMISED_DOMAIN}"


def inactive_since(user: User) -> datetime:
    """When the person stopped using the portal: their last deactivation, or, for someone never
    deactivated through a membership, the later of when they joined and last signed in.

    Needs the last_deactivated_at annotation that people_due_for_anonymisation() adds.
    """
    if user.last_deactivated_at is not None:
        return user.last_deactivated_at
    return max(filter(None, [user.last_login, user.date_joined]))


def people_due_for_anonymisation(now: datetime | None = None) -> list[User]:
    """Deactivated people, not staff, past the retention period and not yet anonymised.

    Someone with an open invitation is coming back, so is left alone while it is open.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DEACTIVATED_RETENTION_DAYS)
    returning = {
        email.lower()
        for email in Invitation.objects.open()
        .filter(expires_at__gt=now)
        .values_list("email", flat=True)
    }
    candidates = (
        User.objects.filter(is_active=False, is_staff=False)
        .exclude(email__endswith=f"@{ANONYMISED_DOMAIN}")
        .annotate(last_deactivated_at=Max("memberships__deactivated_at"))
        .order_by("pk")
    )
    return [
        user
        for user in candidates
        if inactive_since(user) < cutoff and user.email.lower() not in returning
    ]


def anonymise_people(*, now: datetime | None = None, dry_run: bool = False) -> Anonymised:
    """Anonymise everyone due: their name, address and job title go, and so do their password,
    sessions and two-step sign-in devices; every record of what they did stays, so reports and
    the audit trail still add up."""
    done = Anonymised()
    with transaction.atomic():
        people = people_due_for_anonymisation(now)
        sessions = _sessions_by_user_id() if people else {}
        email_links = [link for link in person_links() if link.by_email]
        for user in people:
            for link in email_links:
                # Records that name the person by address (their invitations) are kept, with the
                # anonymised address in place of theirs.
                done.addresses_replaced += link.rows(user).update(
                    **{link.field.name: anonymised_email(user.pk)}
                )
            user.full_name = f"Former member {user.pk}"
            user.email = anonymised_email(user.pk)
            user.job_title = ""
            user.set_unusable_password()
            user.save(update_fields=["full_name", "email", "job_title", "password"])
            for session in sessions.get(str(user.pk), []):
                session.delete()
                done.sessions_ended += 1
            for device in devices_for_user(user, confirmed=None):
                device.delete()
                done.devices_removed += 1
            user.recovery_codes.all().delete()
            last_membership = user.memberships.order_by(
                F("deactivated_at").desc(nulls_last=True), "-pk"
            ).first()
            record(
                AuditEntry.Action.PERSON_ANONYMISED,
                organisation=last_membership.organisation if last_membership else None,
                subject_user=user,
                target=user,
                data={
                    "inactive_since": inactive_since(user).isoformat(),
                    "retention_days": settings.DEACTIVATED_RETENTION_DAYS,
                },
            )
            done.user_ids.append(user.pk)
        transaction.set_rollback(dry_run)
    return done


def _sessions_by_user_id() -> dict[str, list[Session]]:
    """Stored sessions by the id of the person signed in to them.

    A session does not name its user in a column, only inside its signed data, so every stored
    session is read once (expired ones included: they still hold the person's id).
    """
    sessions: dict[str, list[Session]] = {}
    for session in Session.objects.iterator():
        user_id = session.get_decoded().get(SESSION_KEY)
        if user_id is not None:
            sessions.setdefault(str(user_id), []).append(session)
    return sessions
