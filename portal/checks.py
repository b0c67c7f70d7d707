"""Deployment checks of the portal's own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def shared_cache_for_several_processes(app_configs, **kwargs) -> list[Warning]:
    """Without a shared cache every web process counts sign-in failures and rate limits on its
    own: with four workers, four times the limit gets through."""
    if settings.DEBUG or settings.REDIS_URL:
        return []
    return [
        Warning(
            "REDIS_URL is not set: each server process keeps its own cache, so rate limits and "
            "sign-in lockouts are counted per process rather than across the portal.",
            hint="Set REDIS_URL (e.g. redis://redis.internal:6379/0) to a Redis that every web "
            "process shares.",
            id="portal.W001",
        )
    ]
