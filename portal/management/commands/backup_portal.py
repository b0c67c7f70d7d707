"""Back up every table and every stored file into a folder, with a manifest to check it by."""

from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, back_up


class Command(BaseCommand):
    help = (
        "Write every table (as Django fixtures), a copy of every stored file (MEDIA_ROOT or "
        "the S3 bucket) and a "
        "manifest (rows per table, SHA-256 per file) into a new or empty folder. The folder "
        "holds personal data: keep it encrypted."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("folder", type=Path, help="A new or empty folder to write into.")

    def handle(self, *args: object, folder: Path, **options: object) -> None:
        try:
            manifest = back_up(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        records = sum(manifest["counts"].values())
        tables = sum(1 for count in manifest["counts"].values() if count)
        size = sum(file["size"] for file in manifest["files"].values())
        self.stdout.write(
            f"Backed up {records} rows from {tables} tables and {len(manifest['files'])} files "
            f"({size / 1_000_000:.1f} MB) into {folder}. It holds personal data: keep it "
            "encrypted, and check it with restore_portal into an empty database."
        )
