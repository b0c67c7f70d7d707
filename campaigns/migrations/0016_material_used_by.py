"""The link between an activity record and the material it used gets a model of its own, on the
table it already has, and keeps the record's organisation, filled in from the records: whether an
organisation has logged using a piece of material is then read from one index."""

import django.db.models.deletion
from django.db import migrations, models

ORGANISATION_HELP = "The record's organisation, kept with the link for the index."


def organisation(*, null: bool) -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        help_text=ORGANISATION_HELP,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="agencies.organisation",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_new_material_digest"),
        ("campaigns", "0015_home_page_indexes"),
    ]

    operations = [
        # The table and its columns stay as they are: only the model is new.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ActivityMaterial",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "activity",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="material_links",
                                to="campaigns.activity",
                            ),
                        ),
                        (
                            "material",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="campaigns.material",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "campaigns_activity_materials",
                        "ordering": ["pk"],
                        "unique_together": {("activity", "material")},
                    },
                ),
                migrations.AlterField(
                    model_name="activity",
                    name="materials",
                    field=models.ManyToManyField(
                        blank=True,
                        help_text="The campaign material your organisation used.",
                        related_name="activities",
                        through="campaigns.ActivityMaterial",
                        to="campaigns.material",
                        verbose_name="material used",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="activitymaterial", name="organisation", field=organisation(null=True)
        ),
        migrations.RunSQL(
            "UPDATE campaigns_activity_materials SET organisation_id = ("
            "SELECT organisation_id FROM campaigns_activity "
            "WHERE campaigns_activity.id = campaigns_activity_materials.activity_id)",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="activitymaterial", name="organisation", field=organisation(null=False)
        ),
        migrations.AddIndex(
            model_name="activitymaterial",
            index=models.Index(fields=["material", "organisation"], name="campaigns_material_used_by"),
        ),
    ]
