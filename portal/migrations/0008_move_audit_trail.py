# The audit trail moved to the audit app. Only Django's idea of which app owns the models changes:
# the tables, their rows and the append-only trigger on PostgreSQL stay exactly as they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0007_audit_sign_in_actions'),
        ('audit', '0001_move_audit_trail'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='auditsummary',
                    name='organisation',
                ),
                migrations.DeleteModel(
                    name='AuditEntry',
                ),
                migrations.DeleteModel(
                    name='AuditSummary',
                ),
            ],
            database_operations=[],
        ),
    ]
