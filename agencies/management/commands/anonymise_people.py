"""Anonymise people deactivated longer ago than DEACTIVATED_RETENTION_DAYS."""

from django.conf import settings

from agencies.retention import anonymise_people
from agencies.tasks import anonymise_people_task
from lib.commands import QueueableCommand


class Command(QueueableCommand):
    help = (
        "Anonymise people who were deactivated more than DEACTIVATED_RETENTION_DAYS ago: their "
        "name, e-mail address, job title, password, sessions and two-step sign-in devices go; "
        "what they did stays. Run it daily from cron; running it again changes nothing."
    )

    task = anonymise_people_task
    dry_run_help = "Say who would be anonymised; change nothing."

    def run_here(self, *, dry_run: bool) -> None:
        done = anonymise_people(dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        # Account numbers only: the command's output ends up in logs, which must not hold names.
        people = ", ".join(str(pk) for pk in done.user_ids) or "nobody"
        self.stdout.write(
            f"{verb} {len(done.user_ids)} {'person' if len(done.user_ids) == 1 else 'people'} "
            f"deactivated more than {settings.DEACTIVATED_RETENTION_DAYS} days ago "
            f"(accounts: {people}); {done.sessions_ended} session(s) ended, "
            f"{done.devices_removed} two-step sign-in device(s) removed, "
            f"{done.addresses_replaced} address(es) on other records replaced."
        )
