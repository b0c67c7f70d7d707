"""A complete, checkable copy of the portal in a folder: every table, every stored file, and a
manifest that says what a correct restore must give back.

This is the portable backup, independent of the database engine: for development, for moving
between SQLite and PostgreSQL, and for proving that a restore works. In production the database
is also dumped with pg_dump (see docs/data-protection.md).

The folder holds personal data: it is created readable by its owner only, and must be stored
encrypted and kept no longer than the retention periods allow.
"""

import datetime
import hashlib
import itertools
import json
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from lib.files import StorageUnavailable, is_storage_error, stored_chunks

MANIFEST = "manifest.json"
# Content types and permissions are created by migrate in every database, with ids of its own:
# they are saved, and referred to, by natural key. Every other row keeps its id, so that
# everything pointing at it still does.
TYPES_FIXTURE = "types.json"
LINKED_FIXTURE = "linked.json"  # rows that refer to content types or permissions
RECORDS_FIXTURE = "records.json"  # everything else
FIXTURES = (TYPES_FIXTURE, LINKED_FIXTURE, RECORDS_FIXTURE)
MEDIA_FOLDER = "media"
FORMAT = 1
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why and what to do."""


@dataclass
class Restored:
    """What a restore loaded, and every way in which the result differs from the manifest."""

    records: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)


def stored_models() -> list[type[models.Model]]:
    """Every model with a table of its own, including the tables behind many-to-many fields."""
    return sorted(
        (
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        ),
        key=lambda model: model._meta.label,
    )


def table_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in stored_models()}


def applied_migrations() -> list[str]:
    return sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )


def back_up(folder: Path) -> dict:
    """Write the database and the stored files into a new or empty folder; return the manifest."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder.")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    fixtures = _fixture_models()
    with _snapshot():
        # Content types and permissions by natural key; references to them by natural key.
        _dump(fixtures[TYPES_FIXTURE], folder / TYPES_FIXTURE, natural_primary=True)
        _dump(fixtures[LINKED_FIXTURE], folder / LINKED_FIXTURE, natural_foreign=True)
        # Plain ids: natural keys here would cost a query per reference to a person.
        _dump(fixtures[RECORDS_FIXTURE], folder / RECORDS_FIXTURE)
        counts = table_counts()
        migrations = applied_migrations()
    # Files after the data: a file is stored before the row naming it is committed, so every
    # file the dump names is already there (a newer file or two is harmless).
    files = _copy_out(folder / MEDIA_FOLDER)
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "migrations": migrations,
        "fixtures": {name: _sha256(folder / name) for name in FIXTURES},
        "counts": counts,
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def restore(folder: Path, *, force: bool = False) -> Restored:
    """Load a backup into this (migrated, empty) database and file store, then check the result
    against the manifest: every count and every file's SHA-256."""
    manifest = _read_manifest(folder)
    damaged = [
        name for name, digest in manifest["fixtures"].items() if _sha256(folder / name) != digest
    ]
    if damaged:
        raise BackupError(f"The backup is damaged: {', '.join(damaged)} changed since it was made.")
    _check_target(manifest, force=force)
    try:
        call_command("loaddata", *(str(folder / name) for name in FIXTURES), verbosity=0)
    except DatabaseError as error:
        raise BackupError(f"Loading the data failed and nothing was loaded: {error}") from error
    copied = _copy_in(folder / MEDIA_FOLDER)
    return Restored(
        records=sum(manifest["counts"].values()),
        files=len(copied),
        problems=verify(manifest),
    )


def verify(manifest: dict) -> list[str]:
    """Every difference between this database and file store and what the manifest recorded."""
    problems = []
    counts = table_counts()
    for label, expected in sorted(manifest["counts"].items()):
        if _made_anew(label):
            continue
        found = counts.get(label)
        if found != expected:
            problems.append(f"{label}: {expected} rows in the backup, {found} here.")
    for name, expected in sorted(manifest["files"].items()):
        if not default_storage.exists(name):
            problems.append(f"File {name} is missing.")
            continue
        digest = hashlib.sha256()
        for chunk in stored_chunks(_Stored(name)):
            digest.update(chunk)
        if digest.hexdigest() != expected["sha256"]:
            problems.append(f"File {name} differs from the backup.")
    return problems


def _check_target(manifest: dict, *, force: bool) -> None:
    """Refuse a database that is not migrated, is at another schema, or already holds data."""
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise BackupError("This database is not fully migrated: run manage.py migrate first.")
    if force:
        return
    here = set(applied_migrations())
    there = set(manifest["migrations"])
    if here != there:
        raise BackupError(
            "The backup was made at another version of the portal. Only in the backup: "
            f"{', '.join(sorted(there - here)) or 'none'}; only here: "
            f"{', '.join(sorted(here - there)) or 'none'}. Restore with the matching release."
        )
    holding = [
        f"{model._meta.label} ({model._base_manager.count()})"
        for model in stored_models()
        if not _made_by_migrate(model)
        and not _made_anew(model._meta.label)
        and model._base_manager.exists()
    ]
    if holding:
        raise BackupError(
            "This database already holds data: "
            + ", ".join(holding)
            + ". Restore into an empty, migrated database, or give --force to load over it."
        )


def _made_by_migrate(model: type[models.Model]) -> bool:
    return model in (ContentType, Permission)


def _made_anew(label: str) -> bool:
    """Rows the database writes afresh as the rows they stand for are loaded, with values of
    its own (a region's figures stamp): neither data a restore would overwrite, nor a count it
    must give back."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return False
    return getattr(model, "made_anew_by_a_restore", False)


def _fixture_models() -> dict[str, list[type[models.Model]]]:
    """Every model dumpdata would dump (the tables behind many-to-many fields go with their
    model), by the fixture it goes in, each list in the order dumpdata would dump it in."""
    fixtures: dict[str, list[type[models.Model]]] = {name: [] for name in FIXTURES}
    for model in apps.get_models():
        if model._meta.proxy:
            continue  # Its rows are its concrete model's.
        if getattr(model, "kept_by_the_database", False):
            # Worked out by the database from other rows as they are loaded (triggers): loaded
            # as well, they would be counted twice or clash with the ones it makes.
            continue
        if _made_by_migrate(model):
            fixtures[TYPES_FIXTURE].append(model)
        elif any(
            _made_by_migrate(field.related_model)
            for field in [*model._meta.fields, *model._meta.many_to_many]
            if field.is_relation
        ):
            fixtures[LINKED_FIXTURE].append(model)
        else:
            fixtures[RECORDS_FIXTURE].append(model)
    return {
        name: serializers.sort_dependencies([(None, models_in_it)], allow_cycles=True)
        for name, models_in_it in fixtures.items()
    }


class _ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder rounds times to the millisecond; a backup must give back what it took."""

    def default(self, o: object) -> object:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _dump(
    models_to_dump: list[type[models.Model]],
    path: Path,
    *,
    natural_primary: bool = False,
    natural_foreign: bool = False,
) -> None:
    """Write every row of the models as a Django fixture, with the serializer dumpdata uses."""
    rows = itertools.chain.from_iterable(
        model._base_manager.order_by("pk").iterator(chunk_size=2000) for model in models_to_dump
    )
    with path.open("w", encoding="utf-8") as stream:
        serializers.serialize(
            "json",
            rows,
            stream=stream,
            cls=_ExactJSONEncoder,
            use_natural_primary_keys=natural_primary,
            use_natural_foreign_keys=natural_foreign or natural_primary,
        )


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of every table for as long as the dump takes.

    On PostgreSQL a REPEATABLE READ transaction sees the database as it was when it began,
    while the portal goes on working; on SQLite the read transaction holds the database still.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


@dataclass
class _Stored:
    """A stored file by name, as the storage helpers take it (a model's file field is one too)."""

    name: str
    storage: object = field(default_factory=lambda: default_storage)


def _stored_names(folder: str = "") -> Iterator[str]:
    """Every file in the file store (a folder on disk or an S3 bucket), through the storage API."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # A local store nothing was ever saved in.
        return
    for name in files:
        yield posixpath.join(folder, name) if folder else name
    for child in folders:
        yield from _stored_names(posixpath.join(folder, child) if folder else child)


def _copy_out(target: Path) -> dict[str, dict]:
    """Copy every stored file into the same place under target; their sizes and SHA-256."""
    copied = {}
    try:
        for name in sorted(_stored_names()):
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            digest, size = hashlib.sha256(), 0
            with destination.open("wb") as writer:
                for chunk in stored_chunks(_Stored(name)):
                    digest.update(chunk)
                    size += len(chunk)
                    writer.write(chunk)
            copied[name] = {"sha256": digest.hexdigest(), "size": size}
    except StorageUnavailable as error:
        raise BackupError(f"The file store cannot be read: {error}") from error
    return copied


def _copy_in(source: Path) -> dict[str, dict]:
    """Store every file under source under the same name; their sizes and SHA-256."""
    copied = {}
    if not source.is_dir():
        return copied
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(source).as_posix()
        try:
            if default_storage.exists(name):
                default_storage.delete(name)  # Only with --force: a restore over a store.
            with path.open("rb") as reader:
                saved = default_storage.save(name, File(reader, name=name))
        except Exception as error:
            if is_storage_error(error):
                raise BackupError(f"The file store cannot be written: {error}") from error
            raise
        if saved != name:
            raise BackupError(f"File {name} was stored as {saved}: restore into an empty store.")
        copied[name] = {"sha256": _sha256(path), "size": path.stat().st_size}
    return copied


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} has no {MANIFEST}: it is not a portal backup.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} was written in an unknown backup format.")
    return manifest
