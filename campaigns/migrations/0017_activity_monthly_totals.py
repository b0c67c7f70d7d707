"""Monthly totals of activity records, kept by the database.

Three triggers (PostgreSQL: one function behind two triggers) move a record's month's total
whenever a record is added, removed, or changed in its campaign, organisation, type or dates.
"""

import django.db.models.deletion
from django.db import migrations, models

# A change of these moves a record to another total, or changes its total's last day.
CHANGES = ("campaign_id", "organisation_id", "activity_type", "started_on", "ended_on")
TOTALS = "campaigns_activitymonthlytotal"

# Each statement that writes a record moves its month's total with it: the triggers fire for
# every row written, from a form, the admin, an import or a cascade, in the same transaction.
# A record taken out of a total (removed, or changed) takes one away and works out the total's
# last day again from that month's records (a range of one index; the last record gone, the
# total at nought is removed). A record put in adds one, and its last day if later.
SQLITE_MONTH = "date({row}.started_on, 'start of month')"
SQLITE_KEY = (
    "campaign_id = {row}.campaign_id AND organisation_id = {row}.organisation_id "
    "AND activity_type = {row}.activity_type"
)
SQLITE_ADD = (
    f"INSERT INTO {TOTALS} (campaign_id, organisation_id, activity_type, month, records, "
    "last_day) VALUES (NEW.campaign_id, NEW.organisation_id, NEW.activity_type, "
    + SQLITE_MONTH.format(row="NEW")
    + ", 1, COALESCE(NEW.ended_on, NEW.started_on)) "
    "ON CONFLICT (campaign_id, organisation_id, activity_type, month) "
    "DO UPDATE SET records = records + 1, last_day = max(last_day, excluded.last_day);"
)
SQLITE_TAKE = (
    f"UPDATE {TOTALS} SET records = records - 1, last_day = COALESCE(("  # noqa: S608 (names and expressions written here; no values)
    "SELECT MAX(COALESCE(ended_on, started_on)) FROM campaigns_activity WHERE "
    + SQLITE_KEY.format(row="OLD")
    + f" AND started_on >= {SQLITE_MONTH.format(row='OLD')} "
    "AND started_on < date(OLD.started_on, 'start of month', '+1 month')), last_day) WHERE "
    + SQLITE_KEY.format(row="OLD")
    + f" AND month = {SQLITE_MONTH.format(row='OLD')}; "
    f"DELETE FROM {TOTALS} WHERE records = 0 AND "
    + SQLITE_KEY.format(row="OLD")
    + f" AND month = {SQLITE_MONTH.format(row='OLD')};"
)
SQLITE_CHANGED = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in CHANGES)
SQLITE_CREATE = [
    "CREATE TRIGGER campaigns_activity_total_added AFTER INSERT ON campaigns_activity "
    f"BEGIN {SQLITE_ADD} END",
    "CREATE TRIGGER campaigns_activity_total_removed AFTER DELETE ON campaigns_activity "
    f"BEGIN {SQLITE_TAKE} END",
    f"CREATE TRIGGER campaigns_activity_total_moved AFTER UPDATE OF {', '.join(CHANGES)} "
    f"ON campaigns_activity WHEN {SQLITE_CHANGED} BEGIN {SQLITE_TAKE} {SQLITE_ADD} END",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS campaigns_activity_total_{name}"
    for name in ("added", "removed", "moved")
]

POSTGRES_MONTH = "CAST(date_trunc('month', {row}.started_on) AS date)"
POSTGRES_KEY = (
    "campaign_id = {row}.campaign_id AND organisation_id = {row}.organisation_id "
    "AND activity_type = {row}.activity_type"
)
POSTGRES_CHANGED = " OR ".join(f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in CHANGES)
POSTGRES_CREATE = [
    f"""
CREATE FUNCTION campaigns_activity_monthly_total() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE {TOTALS} SET records = records - 1, last_day = COALESCE((
            SELECT MAX(COALESCE(ended_on, started_on)) FROM campaigns_activity
            WHERE {POSTGRES_KEY.format(row="OLD")}
              AND started_on >= {POSTGRES_MONTH.format(row="OLD")}
              AND started_on < CAST({POSTGRES_MONTH.format(row="OLD")} + interval '1 month' AS date)
            ), last_day)
            WHERE {POSTGRES_KEY.format(row="OLD")} AND month = {POSTGRES_MONTH.format(row="OLD")};
        DELETE FROM {TOTALS} WHERE records = 0
            AND {POSTGRES_KEY.format(row="OLD")} AND month = {POSTGRES_MONTH.format(row="OLD")};
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO {TOTALS} AS total
            (campaign_id, organisation_id, activity_type, month, records, last_day)
            VALUES (NEW.campaign_id, NEW.organisation_id, NEW.activity_type,
                    {POSTGRES_MONTH.format(row="NEW")}, 1, COALESCE(NEW.ended_on, NEW.started_on))
            ON CONFLICT (campaign_id, organisation_id, activity_type, month)
            DO UPDATE SET records = total.records + 1,
                          last_day = GREATEST(total.last_day, excluded.last_day);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",  # noqa: S608 (names and expressions written here; no values)
    "CREATE TRIGGER campaigns_activity_total_written AFTER INSERT OR DELETE ON "
    "campaigns_activity FOR EACH ROW EXECUTE FUNCTION campaigns_activity_monthly_total()",
    f"CREATE TRIGGER campaigns_activity_total_moved AFTER UPDATE OF {', '.join(CHANGES)} "
    f"ON campaigns_activity FOR EACH ROW WHEN ({POSTGRES_CHANGED}) "
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
            "(campaign_id, organisation_id, activity_type, month, records, last_day) "
            f"SELECT campaign_id, organisation_id, activity_type, {month}, COUNT(*), "
            "MAX(COALESCE(ended_on, started_on)) "
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
                    "last_day",
                    models.DateField(
                        help_text="The last day of any of these records (the day it ended, "
                        "or happened); it may be after the month."
                    ),
                ),
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
