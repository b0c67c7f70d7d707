"""The toolkit's order in an index: a page of a campaign's material by kind (in the toolkit's order
of kinds, campaigns.models.material.kind_position) then title, read in order."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0017_activity_monthly_totals"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="material",
            index=models.Index(
                models.F("campaign"),
                models.Case(
                    models.When(kind="poster", then=models.Value(0)),
                    models.When(kind="social_card", then=models.Value(1)),
                    models.When(kind="suggested_post", then=models.Value(2)),
                    models.When(kind="press_release", then=models.Value(3)),
                    models.When(kind="film", then=models.Value(4)),
                    models.When(kind="key_messages", then=models.Value(5)),
                    models.When(kind="notes_to_editors", then=models.Value(6)),
                    models.When(kind="brand_file", then=models.Value(7)),
                    default=models.Value(8),
                    output_field=models.IntegerField(),
                ),
                models.F("title"),
                models.F("id"),
                name="campaigns_material_toolkit",
            ),
        ),
    ]
