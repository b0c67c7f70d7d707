# The audit trail's models, taken over from the portal package with their tables as they are
# (portal_auditentry, portal_auditsummary): nothing is created in the database.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('agencies', '0003_recovery_codes'),
        ('campaigns', '0006_virus_checks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('portal', '0007_audit_sign_in_actions'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('action', models.CharField(db_index=True, help_text='One of AuditEntry.Action.', max_length=64)),
                        ('target_repr', models.CharField(blank=True, help_text='What the action was done to, as it was then.', max_length=300)),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('actor', models.ForeignKey(blank=True, help_text='Who did it; empty for the system or an anonymous visitor.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_entries', to=settings.AUTH_USER_MODEL)),
                        ('asset', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.asset')),
                        ('campaign', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.campaign')),
                        ('organisation', models.ForeignKey(blank=True, help_text='The organisation the action concerns.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.organisation')),
                        ('subject_user', models.ForeignKey(blank=True, help_text='The person the action was done to, if any.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name_plural': 'audit entries',
                        'db_table': 'portal_auditentry',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='AuditSummary',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(help_text='The first day of the month, in UK time.')),
                        ('action', models.CharField(help_text='One of AuditEntry.Action.', max_length=64)),
                        ('count', models.PositiveIntegerField(help_text='How many entries were summarised into this row.')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('organisation', models.ForeignKey(blank=True, help_text='The organisation the entries concerned; empty for entries that named none.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.organisation')),
                    ],
                    options={
                        'verbose_name_plural': 'audit summaries',
                        'db_table': 'portal_auditsummary',
                        'ordering': ['-month', 'action', 'organisation', 'pk'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('organisation__isnull', False)), fields=('month', 'action', 'organisation'), name='audit_auditsummary_unique_month_action_organisation'), models.UniqueConstraint(condition=models.Q(('organisation__isnull', True)), fields=('month', 'action'), name='audit_auditsummary_unique_month_action_no_organisation')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
