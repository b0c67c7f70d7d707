"""A stamp per region that the database changes whenever one of its help-seeker figures is
added, changed or removed (campaigns.models.RegionFiguresStamp).

The triggers fire for every row written, from a form, the admin, an import, a bulk load or plain
SQL, in the same transaction: a stamp is never seen changed before the figures it stands for.
"""

import django.db.models.deletion
from django.db import migrations, models

FIGURES = "campaigns_helpseekerfigure"
STAMPS = "campaigns_regionfiguresstamp"

SQLITE_STAMP = (
    f"INSERT INTO {STAMPS} (region_id, stamp) VALUES ({{row}}.region_id, random()) "
    "ON CONFLICT (region_id) DO UPDATE SET stamp = excluded.stamp;"
)
SQLITE_CREATE = [
    f"CREATE TRIGGER campaigns_figure_stamp_added AFTER INSERT ON {FIGURES} "
    f"BEGIN {SQLITE_STAMP.format(row='NEW')} END",
    f"CREATE TRIGGER campaigns_figure_stamp_removed AFTER DELETE ON {FIGURES} "
    f"BEGIN {SQLITE_STAMP.format(row='OLD')} END",
    # Both regions, should a figure move from one to another.
    f"CREATE TRIGGER campaigns_figure_stamp_changed AFTER UPDATE ON {FIGURES} "
    f"BEGIN {SQLITE_STAMP.format(row='OLD')} {SQLITE_STAMP.format(row='NEW')} END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS campaigns_figure_stamp_{name}"
    for name in ("added", "removed", "changed")
]

# random() is in [0, 1): the stamp is any of about 2**53 values of a bigint.
POSTGRES_RANDOM = "(random() * 9000000000000000000)::bigint"
POSTGRES_STAMP = (
    f"INSERT INTO {STAMPS} (region_id, stamp) "
    "VALUES ({row}.region_id, " + POSTGRES_RANDOM + ") "
    "ON CONFLICT (region_id) DO UPDATE SET stamp = excluded.stamp;"
)
POSTGRES_CREATE = [
    "CREATE FUNCTION campaigns_region_figures_stamp() RETURNS trigger AS $$ BEGIN "
    f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {POSTGRES_STAMP.format(row='OLD')} END IF; "
    f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {POSTGRES_STAMP.format(row='NEW')} END IF; "
    # Emptied all at once, row triggers do not fire: every region is stamped anew.
    f"IF TG_OP = 'TRUNCATE' THEN UPDATE {STAMPS} SET stamp = {POSTGRES_RANDOM}; END IF; "
    "RETURN NULL; END $$ LANGUAGE plpgsql",
    f"CREATE TRIGGER campaigns_figure_stamp AFTER INSERT OR UPDATE OR DELETE ON {FIGURES} "
    "FOR EACH ROW EXECUTE FUNCTION campaigns_region_figures_stamp()",
    f"CREATE TRIGGER campaigns_figure_stamp_emptied AFTER TRUNCATE ON {FIGURES} "
    "FOR EACH STATEMENT EXECUTE FUNCTION campaigns_region_figures_stamp()",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS campaigns_figure_stamp ON {FIGURES}",
    f"DROP TRIGGER IF EXISTS campaigns_figure_stamp_emptied ON {FIGURES}",
    "DROP FUNCTION IF EXISTS campaigns_region_figures_stamp()",
]


def keep_stamps(apps, schema_editor):
    """A stamp for every region with figures already, then the triggers, in one transaction."""
    vendor = schema_editor.connection.vendor
    random = POSTGRES_RANDOM if vendor == "postgresql" else "random()"
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {STAMPS} (region_id, stamp) SELECT region_id, {random} "  # noqa: S608 (names and expressions written here; no values)
            f"FROM (SELECT DISTINCT region_id FROM {FIGURES}) AS regions"
        )
        for statement in POSTGRES_CREATE if vendor == "postgresql" else SQLITE_CREATE:
            cursor.execute(statement)


def stop_keeping_stamps(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for statement in POSTGRES_DROP if vendor == "postgresql" else SQLITE_DROP:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_new_material_digest"),
        ("campaigns", "0018_material_toolkit_order"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegionFiguresStamp",
            fields=[
                (
                    "region",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="agencies.region",
                    ),
                ),
                ("stamp", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(keep_stamps, stop_keeping_stamps),
    ]
