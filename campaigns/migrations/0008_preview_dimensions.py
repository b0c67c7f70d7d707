from django.core.files.images import get_image_dimensions
from django.db import migrations, models


def measure_stored_previews(apps, schema_editor):
    """Previews made before their size was kept: read it from the stored file."""
    MaterialVersion = apps.get_model("campaigns", "MaterialVersion")
    for version in MaterialVersion.objects.exclude(preview="").filter(preview_width__isnull=True):
        try:
            with version.preview.open("rb") as handle:
                width, height = get_image_dimensions(handle)
        except OSError:  # A preview missing from storage: its page shows it without a size.
            continue
        if width and height:
            MaterialVersion.objects.filter(pk=version.pk).update(
                preview_width=width, preview_height=height
            )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0007_material_is_one_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="materialversion",
            name="preview_width",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="The preview's size in pixels, so pages keep its shape.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="materialversion",
            name="preview_height",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(measure_stored_previews, migrations.RunPython.noop),
    ]
