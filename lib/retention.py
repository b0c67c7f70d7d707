"""What every retention run shares: a run counts old records into monthly summary rows, deletes
them and checks that it deleted exactly what it counted, all in one transaction."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F, Model
from django.utils import timezone


class RetentionError(Exception):
    """The records changed under the retention run; it was rolled back and can be run again."""


@dataclass
class Summarised:
    """What one retention run counted into summaries and deleted: everything before cutoff."""

    cutoff: datetime
    deleted: int
    summary_rows: int


def month_of(moment: datetime) -> date:
    """The first day of the month the moment falls in, in UK time (the portal's time zone)."""
    return timezone.localtime(moment).date().replace(day=1)


def add_to(model: type[Model], counter: str, number: int, **key: object) -> None:
    """Add to the summary row for this key, creating it on the first run that needs it."""
    added = model.objects.filter(**key).update(**{counter: F(counter) + number})
    if not added:
        model.objects.create(**key, **{counter: number})


def check_counted(deleted: int, counts: Counter, what: str) -> None:
    counted = sum(counts.values())
    if deleted != counted:
        raise RetentionError(
            f"Counted {counted} {what} but would have deleted {deleted}; nothing was changed."
        )
