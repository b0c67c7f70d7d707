from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_move_audit_trail'),
        ('campaigns', '0007_material_is_one_name'),
    ]

    operations = [
        migrations.RenameField('auditentry', 'asset', 'material'),
    ]
