from django.core.management.base import BaseCommand

from portal.management.commands.run_worker import housekeeping


class Command(BaseCommand):
    help = (
        "Queue again what the task queue lost: tasks left running by a dead worker (database "
        "backend) and e-mail still waiting long after its time. run_worker does this every minute; "
        "with TASKS_BACKEND=rq run this from cron every few minutes."
    )

    def handle(self, *args, **options):
        tasks, emails = housekeeping()
        self.stdout.write(f"{tasks} task(s) and {emails} e-mail(s) queued again.")
