# "Material" is what every page calls it, so the models are called that too. Renames only: the
# rows stay where they are, in tables and columns renamed in place.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0003_recovery_codes'),
        ('campaigns', '0006_virus_checks'),
        # The audit trail points at material: it must be in Django's picture before the rename.
        ('audit', '0001_move_audit_trail'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='downloadsummary',
            name='campaigns_downloadsummary_unique_asset_organisation_month',
        ),
        migrations.RemoveConstraint(
            model_name='downloadsummary',
            name='campaigns_downloadsummary_unique_asset_month_no_organisation',
        ),
        migrations.RemoveConstraint(
            model_name='asset',
            name='campaigns_asset_withdrawal_has_reason',
        ),
        migrations.RemoveConstraint(
            model_name='asset',
            name='campaigns_asset_expires_after_release',
        ),
        migrations.RemoveConstraint(
            model_name='asset',
            name='campaigns_asset_expires_after_embargo',
        ),
        migrations.RemoveConstraint(
            model_name='assetversion',
            name='campaigns_assetversion_unique_number',
        ),
        migrations.RemoveConstraint(
            model_name='assetversion',
            name='campaigns_assetversion_one_in_review',
        ),
        migrations.RemoveConstraint(
            model_name='assetversion',
            name='campaigns_assetversion_one_approved',
        ),
        migrations.RemoveConstraint(
            model_name='assetversion',
            name='campaigns_assetversion_decision_recorded',
        ),
        migrations.RemoveConstraint(
            model_name='assetversion',
            name='campaigns_assetversion_changes_have_comment',
        ),
        migrations.RemoveConstraint(
            model_name='assetversion',
            name='campaigns_assetversion_has_content',
        ),
        migrations.RemoveConstraint(
            model_name='withdrawalnotice',
            name='campaigns_withdrawalnotice_unique_person_asset',
        ),
        migrations.RemoveIndex(
            model_name='download',
            name='campaigns_download_asset_org',
        ),
        migrations.RemoveIndex(
            model_name='download',
            name='campaigns_download_user_asset',
        ),
        migrations.RenameModel('Asset', 'Material'),
        migrations.RenameModel('AssetVersion', 'MaterialVersion'),
        migrations.RenameField('materialversion', 'asset', 'material'),
        migrations.RenameField('download', 'asset', 'material'),
        migrations.RenameField('withdrawalnotice', 'asset', 'material'),
        migrations.RenameField('downloadsummary', 'asset', 'material'),
        migrations.RenameField('activity', 'assets', 'materials'),
        migrations.AlterModelOptions(
            name='downloadsummary',
            options={'ordering': ['-month', 'material', 'organisation', 'pk'], 'verbose_name_plural': 'download summaries'},
        ),
        migrations.AlterModelOptions(
            name='materialversion',
            options={'ordering': ['material', '-number']},
        ),
        migrations.RenameIndex(
            model_name='material',
            new_name='campaigns_material_kind_idx',
            old_name='campaigns_asset_kind_idx',
        ),
        migrations.AlterField(
            model_name='material',
            name='campaign',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='materials', to='campaigns.campaign'),
        ),
        migrations.AlterField(
            model_name='material',
            name='owner_organisation',
            field=models.ForeignKey(help_text='The charity, or the partner that submitted the material.', on_delete=django.db.models.deletion.PROTECT, related_name='materials', to='agencies.organisation'),
        ),
        migrations.AlterField(
            model_name='material',
            name='tags',
            field=models.ManyToManyField(blank=True, related_name='materials', to='campaigns.tag'),
        ),
        migrations.AddIndex(
            model_name='download',
            index=models.Index(fields=['material', 'organisation'], name='campaigns_download_mat_org'),
        ),
        migrations.AddIndex(
            model_name='download',
            index=models.Index(fields=['user', 'material'], name='campaigns_download_user_mat'),
        ),
        migrations.AddConstraint(
            model_name='downloadsummary',
            constraint=models.UniqueConstraint(condition=models.Q(('organisation__isnull', False)), fields=('material', 'organisation', 'month'), name='campaigns_downloadsummary_unique_material_organisation_month'),
        ),
        migrations.AddConstraint(
            model_name='downloadsummary',
            constraint=models.UniqueConstraint(condition=models.Q(('organisation__isnull', True)), fields=('material', 'month'), name='campaigns_downloadsummary_unique_material_month_no_organisation'),
        ),
        migrations.AddConstraint(
            model_name='material',
            constraint=models.CheckConstraint(condition=models.Q(('withdrawn_at__isnull', True), models.Q(('withdrawal_reason', ''), _negated=True), _connector='OR'), name='campaigns_material_withdrawal_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='material',
            constraint=models.CheckConstraint(condition=models.Q(('expires_at__isnull', True), ('release_at__isnull', True), ('expires_at__gt', models.F('release_at')), _connector='OR'), name='campaigns_material_expires_after_release', violation_error_message='The material must expire after it is released.'),
        ),
        migrations.AddConstraint(
            model_name='material',
            constraint=models.CheckConstraint(condition=models.Q(('expires_at__isnull', True), ('embargo_until__isnull', True), ('expires_at__gt', models.F('embargo_until')), _connector='OR'), name='campaigns_material_expires_after_embargo', violation_error_message='The material must expire after its embargo lifts.'),
        ),
        migrations.AddConstraint(
            model_name='materialversion',
            constraint=models.UniqueConstraint(fields=('material', 'number'), name='campaigns_materialversion_unique_number'),
        ),
        migrations.AddConstraint(
            model_name='materialversion',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'in_review')), fields=('material',), name='campaigns_materialversion_one_in_review'),
        ),
        migrations.AddConstraint(
            model_name='materialversion',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'approved')), fields=('material',), name='campaigns_materialversion_one_approved'),
        ),
        migrations.AddConstraint(
            model_name='materialversion',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['in_review', 'replaced']), ('decided_at__isnull', False), _connector='OR'), name='campaigns_materialversion_decision_recorded'),
        ),
        migrations.AddConstraint(
            model_name='materialversion',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'changes_requested'), _negated=True), models.Q(('decision_comment', ''), _negated=True), _connector='OR'), name='campaigns_materialversion_changes_have_comment'),
        ),
        migrations.AddConstraint(
            model_name='materialversion',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('file', ''), _negated=True), models.Q(('text', ''), _negated=True), _connector='OR'), name='campaigns_materialversion_has_content'),
        ),
        migrations.AddConstraint(
            model_name='withdrawalnotice',
            constraint=models.UniqueConstraint(fields=('user', 'material'), name='campaigns_withdrawalnotice_unique_person_material'),
        ),
    ]
