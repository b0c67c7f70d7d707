"""The one way the portal sends e-mail: a subject, a text body and an HTML body per template."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{path}"


def send_templated_email(template: str, recipients: Iterable[str], context: dict) -> int:
    """Render templates/emails/<template>/{subject.txt,body.txt,body.html} and send one message.

    Each recipient gets their own message so that nobody sees who else was told.
    """
    context = {"portal_name": settings.PORTAL_NAME, **context}
    subject = " ".join(render_to_string(f"emails/{template}/subject.txt", context).split())
    text = render_to_string(f"emails/{template}/body.txt", context)
    html = render_to_string(f"emails/{template}/body.html", context)
    messages = []
    for recipient in recipients:
        message = EmailMultiAlternatives(subject, text, to=[recipient])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    if not messages:
        return 0
    # One connection for the whole batch: a release can mean a mail to every partner member.
    with get_connection() as connection:
        return connection.send_messages(messages)
