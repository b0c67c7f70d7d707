"""The security log: one JSON object a line, so a value holding a newline (a name, an address)
cannot forge a line, with the request id of the request it came from.

Only what is needed is written: never a password, code, token or session key.
"""

import json
import logging
import re
from contextvars import ContextVar

from django.utils import timezone

logger = logging.getLogger("portal.security")
current_request: ContextVar = ContextVar("portal_current_request", default=None)

# Links that carry a secret in their path: invitations and password resets.
SECRET_PATHS = [
    (re.compile(r"/invitations/(?!accept/)[^/?#\s]+"), "/invitations/[redacted]"),
    (
        re.compile(r"/password/reset/(?!sent/|complete/)[^/?#\s]+/[^/?#\s]+"),
        "/password/reset/[redacted]",
    ),
]


def redact(text: str) -> str:
    for pattern, replacement in SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return text


def event(name: str, **details) -> None:
    request = current_request.get()
    record = {"at": timezone.now().isoformat(), "event": name}
    if request is not None:
        user = getattr(request, "user", None)
        record.update(
            {
                "request_id": getattr(request, "id", None),
                "address": request.META.get("REMOTE_ADDR"),
                "method": request.method,
                "path": redact(request.path),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            }
        )
    record.update(details)
    logger.warning(json.dumps(record, default=str, ensure_ascii=True))


class RedactSecretsFilter(logging.Filter):
    """Masks invitation and password-reset tokens in any log line (Django's request log
    names the path of a 404, for instance)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
