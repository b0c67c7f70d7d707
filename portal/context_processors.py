from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    return {
        "portal_name": settings.PORTAL_NAME,
        "session_idle_seconds": settings.SESSION_IDLE_MINUTES * 60,
    }
