"""Monthly totals of activity records, kept by the database.

Three triggers (PostgreSQL: one function behind two triggers) move a record's month's total
whenever a record is added, removed, or moved to another campaign, organisation, type or month.
"""

import django.db.models.deletion
from django.db import migrations, models

# The columns whose change moves a record to another total (besides its month).
MOVES = ("campaign_id", "organisation_id", "activity_type")

# Each statement that writes a record moves its month's total with it: the triggers fire for
# every row written, from a form, the admin, an import or a cascade, in the same transaction.
# A total that falls to nought is removed.
SQLITE_MONTH = "date({row}.started_on, 'start of month')"
SQLITE_KEY = (
    "campaign_id = {row}.campaign_id AND organisation_id = {row}.organisation_id "
    "AND activity_type = {row}.activity_type AND month = " + SQLITE_MONTH
)
SQLITE_ADD = (
    "INSERT INTO campaigns_activitymonthlytotal "
    "(campaign_id, organisation_id, activity_type, month, records) "
    "VALUES (NEW.campaign_id, NEW.organisation_id, NEW.activity_type, "
    + SQLITE_MONTH.format(row="NEW")
    + ", 1) ON CONFLICT (campaign_id, organisation_id, activity_type, month) "
    "DO UPDATE SET records = records + 1;"
)
SQLITE_TAKE = (
    "UPDATE campaigns_activitymonthlytotal SET records = records - 1 WHERE "  # noqa: S608 (names and expressions written here; no values)
    + SQLITE_KEY.format(row="OLD")
    + "; DELETE FROM campaigns_activitymonthlytotal WHERE records = 0 AND "
    + SQLITE_KEY.format(row="OLD")
    + ";"
)
SQLITE_MOVED = " OR ".join(
    [
        *(f"NEW.{column} IS NOT OLD.{column}" for column in MOVES),
        f"{SQLITE_MONTH.format(row='NEW')} IS NOT {SQLITE_MONTH.format(row='OLD')}",
    ]
)
SQLITE_CREATE = [
    "CREATE TRIGGER campaigns_activity_total_added AFTER INSERT ON campaigns_activity "
    f"BEGIN {SQLITE_ADD} END",
    "CREATE TRIGGER campaigns_activity_total_removed AFTER DELETE ON campaigns_activity "
    f"BEGIN {SQLITE_TAKE} END",
    "CREATE TRIGGER campaigns_activity_total_moved AFTER UPDATE OF "
    f"{', '.join(MOVES)}, started_on ON campaigns_activity WHEN {SQLITE_MOVED} "
    f"BEGIN {SQLITE_TAKE} {SQLITE_ADD} END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS campaigns_activity_total_{name}"
    for name in ("added", "removed", "moved")
]

POSTGRES_MONTH = "CAST(date_trunc('month', {row}.started_on) AS date)"
POSTGRES_KEY = (
    "campaign_id = {row}.campaign_id AND organisation_id = {row}.organisation_id "
    "AND activity_type = {row}.activity_type AND month = " + POSTGRES_MONTH
)
POSTGRES_MOVED = " OR ".join(
    [
        *(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in MOVES),
        f"{POSTGRES_MONTH.format(row='NEW')} IS DISTINCT FROM {POSTGRES_MONTH.format(row='OLD')}",
    ]
)
POSTGRES_CREATE = [
    f"""
CREATE FUNCTION campaigns_activity_monthly_total() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE campaigns_activitymonthlytotal SET records = records - 1
            WHERE {POSTGRES_KEY.format(row="OLD")};
        DELETE FROM campaigns_activitymonthlytotal
            WHERE records = 0 AND {POSTGRES_KEY.format(row="OLD")};
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO campaigns_activitymonthlytotal AS total
            (campaign_id, organisation_id, activity_type, month, records)
            VALUES (NEW.campaign_id, NEW.organisation_id, NEW.activity_type,
                    {POSTGRES_MONTH.format(row="NEW")}, 1)
            ON CONFLICT (campaign_id, organisation_id, activity_type, month)
            DO UPDATE SET records = total.records + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",  # noqa: S608 (names and expressions written here; no values)
    "CREATE TRIGGER campaigns_activity_total_written AFTER INSERT OR DELETE ON "
    "campaigns_activity FOR EACH ROW EXECUTE FUNCTION campaigns_activity_monthly_total()",
    f"CREATE TRIGGER campaigns_activity_total_moved AFTER UPDATE OF {', '.join(MOVES)}, "
    f"started_on ON campaigns_activity FOR EACH ROW WHEN ({POSTGRES_MOVED}) "
    "EXECUTE FUNCTION campaigns_activity_monthly_total()",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS campaigns_activity_total_written ON campaigns_activity",
    "DROP TRIGGER IF EXISTS campaigns_activity_total_moved ON campaigns_activity",
    "DROP FUNCTION IF EXISTS campaigns_activity_monthly_total()",
]


def _month(vendor: str, row: str) -> str:
    return (POSTGRES_MONTH if vendor == "postgresql" else SQLITE_MONTH).format(row=row)


def keep_totals(apps, schema_editor):
    """Totals for the records there are, then the triggers, in one transaction."""
    vendor = schema_editor.connection.vendor
    month = _month(vendor, "campaigns_activity")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO campaigns_activitymonthlytotal "  # noqa: S608 (names and expressions written here; no values)
            "(campaign_id, organisation_id, activity_type, month, records) "
            f"SELECT campaign_id, organisation_id, activity_type, {month}, COUNT(*) "
            f"FROM campaigns_activity GROUP BY campaign_id, organisation_id, activity_type, {month}"
        )
        for statement in POSTGRES_CREATE if vendor == "postgresql" else SQLITE_CREATE:
            cursor.execute(statement)


def stop_keeping_totals(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for statement in POSTGRES_DROP if vendor == "postgresql" else SQLITE_DROP:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_new_material_digest"),
        ("campaigns", "0016_material_used_by"),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityMonthlyTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "activity_type",
                    models.CharField(
                        choices=[
                            ("posters", "Posters or leaflets displayed"),
                            ("social_post", "Social media post"),
                            ("press_release", "Press release issued"),
                            ("media_coverage", "Media coverage"),
                            ("interview", "Interview"),
                            ("event", "Event or briefing"),
                            ("internal", "Internal communication"),
                            ("enforcement", "Enforcement work publicised"),
                            ("other", "Other"),
                        ],
                        max_length=20,
                        verbose_name="type",
                    ),
                ),
                ("month", models.DateField(help_text="The first day of the month.")),
                ("records", models.PositiveIntegerField()),
                (
                    "campaign",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="campaigns.campaign",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="agencies.organisation",
                    ),
                ),
            ],
            options={
                "ordering": ["campaign", "organisation", "activity_type", "month"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("campaign", "organisation", "activity_type", "month"),
                        name="campaigns_activitymonthlytotal_unique_month",
                    )
                ],
            },
        ),
        migrations.RunPython(keep_totals, stop_keeping_totals),
    ]
