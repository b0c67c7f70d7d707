"""The migrations that moved the audit trail into its own app and renamed material keep every row.

A database populated by the demo is taken back to the migrations before the move, then forward
again: every table holds exactly the rows it held before, ids and links included, and on PostgreSQL
the audit table is still append-only afterwards.
"""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from audit.models import AuditEntry
from campaigns.models import Material

# The last migrations before the audit trail moved and material was renamed.
BEFORE_THE_MOVE = [
    ("portal", "0007_audit_sign_in_actions"),
    ("campaigns", "0006_virus_checks"),
    ("audit", None),
]
# The state the move and the rename leave: tables made by later migrations hold rows only once
# those migrations run again, so they are not the move's to keep.
AFTER_THE_MOVE = [
    ("portal", "0008_move_audit_trail"),
    ("campaigns", "0007_material_is_one_name"),
    ("audit", "0002_material_is_one_name"),
]


def every_row() -> dict[str, list[tuple]]:
    with connection.cursor() as cursor:
        rows = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            if table == "django_migrations":
                continue
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (table names from the database)
            rows[table] = sorted(cursor.fetchall(), key=repr)
        return rows


def migrate_to(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_row_of_a_populated_database():
    call_command("load_demo", force=True, verbosity=0)
    before = every_row()
    assert len(before["portal_auditentry"]) > 0
    assert len(before["campaigns_material"]) > 0

    migrate_to(BEFORE_THE_MOVE)
    with connection.cursor() as cursor:
        old_tables = set(connection.introspection.table_names(cursor))
        cursor.execute("SELECT COUNT(*) FROM campaigns_asset")
        assert cursor.fetchone()[0] == len(before["campaigns_material"])
    assert "campaigns_material" not in old_tables
    assert "portal_auditentry" in old_tables

    migrate_to(AFTER_THE_MOVE)
    with connection.cursor() as cursor:
        moved_tables = set(connection.introspection.table_names(cursor))
    migrate_to(latest())
    after = every_row()
    assert after.keys() == before.keys()
    for table, rows in before.items():
        if table in moved_tables:
            assert after[table] == rows, f"{table} changed across the migrations"

    entry = AuditEntry.objects.exclude(material=None).first()
    assert entry is not None and Material.objects.filter(pk=entry.material_id).exists()


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_audit_table_is_still_append_only_after_the_move():
    if connection.vendor != "postgresql":
        pytest.skip("The append-only trigger exists on PostgreSQL, the production database.")
    migrate_to(BEFORE_THE_MOVE)
    migrate_to(latest())
    call_command("load_demo", force=True, verbosity=0)
    entry = AuditEntry.objects.first()
    for statement in ("UPDATE portal_auditentry SET action = 'x'", "DELETE FROM portal_auditentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement + " WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == entry.action
