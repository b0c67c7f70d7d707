from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from campaigns.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo organisations, people and campaigns drawn from the seed press releases."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even though DEBUG is off (the demo sign-ins share a published password).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: its sign-ins use a published password. "
                "Use --force if you really mean to load it into this database."
            )
        summary = load_demo()
        if summary.total == 0:
            self.stdout.write("Demo data already loaded; nothing changed.")
            return
        made = ", ".join(f"{count} {label}" for label, count in summary.created.items() if count)
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {made}."))
