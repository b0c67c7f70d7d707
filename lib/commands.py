"""Management commands that cron runs and that can instead hand their job to the task worker."""

from argparse import ArgumentParser

from django.core.management.base import BaseCommand, CommandError


class QueueableCommand(BaseCommand):
    """A command with `--enqueue` (the job goes to the task worker as `task`) and, when
    `dry_run_help` says what a dry run reports, `--dry-run`. Subclasses write `run_here`."""

    task = None  # the django-tasks task that does the same job in the worker
    enqueue_help = "Hand the job to the task worker instead of running it here."
    dry_run_help: str | None = None

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help=self.enqueue_help)
        if self.dry_run_help is not None:
            parser.add_argument("--dry-run", action="store_true", help=self.dry_run_help)

    def handle(self, *args: object, enqueue: bool, dry_run: bool = False, **options: object):
        if enqueue:
            if dry_run:
                raise CommandError("--dry-run runs here: leave out --enqueue.")
            result = self.task.enqueue()
            self.stdout.write(f"Queued for the task worker (task {result.id}).")
            return
        self.run_here(dry_run=dry_run)

    def run_here(self, *, dry_run: bool) -> None:
        raise NotImplementedError
