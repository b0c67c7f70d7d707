from django.core.management.base import BaseCommand

from campaigns.services.notifications import send_daily_digests


class Command(BaseCommand):
    help = (
        "E-mail the people who chose a daily digest of new material: one e-mail per person per "
        "campaign listing what was released since their last one. Run it once a day from cron."
    )

    def handle(self, *args, **options):
        queued = send_daily_digests()
        self.stdout.write(f"{queued} e-mail{'s' if queued != 1 else ''} queued.")
