"""Restore a backup made by backup_portal, then check the result against its manifest."""

from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Load a backup made by backup_portal into this migrated, empty database and copy its "
        "files into the file store, then verify every row count and every file's SHA-256 against "
        "the backup's manifest. Refuses a database that already holds data unless --force."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("folder", type=Path, help="The folder backup_portal wrote.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even into a database that holds data or is at another version.",
        )

    def handle(self, *args: object, folder: Path, force: bool, **options: object) -> None:
        try:
            restored = restore(folder, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Loaded {restored.records} rows and copied {restored.files} files.")
        if restored.problems:
            raise CommandError(
                "The restore does not match the backup:\n" + "\n".join(restored.problems)
            )
        self.stdout.write("Verified: every row count and every file's SHA-256 match the backup.")
