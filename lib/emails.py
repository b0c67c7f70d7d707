"""Rendering and sending the portal's e-mail: a subject, a text body and an HTML body per template.

Nothing here is sent from a web request: the outbox app keeps each message and its task worker
calls `send_message`, so a slow or failing SMTP server never turns an action into an error page.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import Context
from django.template.loader import get_template, render_to_string


def absolute_url(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{path}"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _render_plain(name: str, context: dict) -> str:
    # Subjects and text bodies are plain text: "O'Brien" must not become "O&#x27;Brien".
    return get_template(name).template.render(Context(context, autoescape=False))


def render_email(template: str, context: dict) -> RenderedEmail:
    """Render templates/emails/<template>/{subject.txt,body.txt,body.html}."""
    context = {"portal_name": settings.PORTAL_NAME, **context}
    subject = " ".join(_render_plain(f"emails/{template}/subject.txt", context).split())
    text = _render_plain(f"emails/{template}/body.txt", context)
    html = render_to_string(f"emails/{template}/body.html", context)
    return RenderedEmail(subject=subject, text=text, html=html)


def send_message(email: RenderedEmail, recipient: str, *, message_id: str) -> None:
    """Hand one message to the mail server; raises on any failure (refused, timed out, down).

    The Message-ID stays the same on every attempt, so a receiving server can tell a retry of a
    message it already accepted from a new one.
    """
    message = EmailMultiAlternatives(
        email.subject, email.text, to=[recipient], headers={"Message-ID": message_id}
    )
    message.attach_alternative(email.html, "text/html")
    with get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT) as connection:
        connection.send_messages([message])
