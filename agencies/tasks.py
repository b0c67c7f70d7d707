"""The agencies app's background tasks."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from agencies.models import User
from agencies.retention import anonymise_people
from lib.tasks import retry_later
from outbox.services import queue_email


@task()
def send_password_reset(user_id: int | None, request_key: str) -> str:
    """Store the reset e-mail for the person who asked (the web request queued this for every
    address asked about; for an address of nobody, user_id is None and nothing is sent).

    The key is the request's own: run again, the task finds the message it stored and stores no
    second one.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or not user.has_usable_password():
        return "nobody to write to"
    context = {
        "email": user.email,
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "portal_base_url": settings.PORTAL_BASE_URL,
    }
    queue_email(
        "password_reset", [user.email], context, key=f"password-reset:{user.pk}:{request_key}"
    )
    return "queued"


@task()
def anonymise_people_task(attempt: int = 1) -> list[int]:
    """Anonymise everyone due (see agencies.retention). Running it again changes nothing."""
    try:
        return anonymise_people().user_ids
    except Exception as error:
        retry_later(anonymise_people_task, attempt=attempt, error=error)
        raise
