from django.core.management.base import BaseCommand

from campaigns.services.notifications import announce_released_material


class Command(BaseCommand):
    help = (
        "E-mail partner members about approved material whose release time has come. Run it every "
        "few minutes from cron; each piece of material is announced once."
    )

    def handle(self, *args, **options):
        sent = announce_released_material()
        self.stdout.write(f"{sent} e-mail{'s' if sent != 1 else ''} sent.")
