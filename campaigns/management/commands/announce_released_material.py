from django.core.management.base import BaseCommand

from campaigns.services.notifications import announce_released_material


class Command(BaseCommand):
    help = (
        "Tell partner members about approved material whose release time has come: one e-mail per "
        "person per campaign, queued for the task worker. Run it every few minutes from cron; each "
        "piece of material is announced once."
    )

    def handle(self, *args, **options):
        queued = announce_released_material()
        self.stdout.write(f"{queued} e-mail{'s' if queued != 1 else ''} queued.")
