"""The agencies app's background tasks."""

from django_tasks import task

from agencies.retention import anonymise_people
from lib.tasks import retry_later


@task()
def anonymise_people_task(attempt: int = 1) -> list[int]:
    """Anonymise everyone due (see agencies.retention). Running it again changes nothing."""
    try:
        return anonymise_people().user_ids
    except Exception as error:
        retry_later(anonymise_people_task, attempt=attempt, error=error)
        raise
