"""Demo data drawn from the two press releases in demo/seeds/, loaded by `manage.py load_demo`.

Everything is created only if missing, so loading twice changes nothing. Dates that must sit
around "now" for the demo to show something (a launch, an embargo) are fixed at the first load.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from campaigns.demo import activity, campaign_setup, figures, localised, people, toolkit


@dataclass
class DemoSummary:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, was_created: bool) -> None:
        self.created[label] = self.created.get(label, 0) + int(was_created)

    @property
    def total(self) -> int:
        return sum(self.created.values())


def load_demo(*, today: date | None = None) -> DemoSummary:
    today = today or timezone.localdate()
    summary = DemoSummary()
    with transaction.atomic():
        cast = people.load(summary)
        campaigns = campaign_setup.load(summary, cast, today=today)
        toolkit.load(summary, cast, campaigns)
        activity.load(summary, cast, campaigns)
        figures.load(summary, cast, campaigns)
        localised.load_all(summary, cast, campaigns)
    return summary
