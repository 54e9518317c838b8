"""Pipelines (source folder, data class, purpose, policy, schedule), their runs and the files
they imported; admins create and run them, officers see them."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


def grant_pipeline_permissions(apps, schema_editor):
    # Function-local: the defaults module is imported only when the migration runs.
    from anonymizer.defaults import migrate_groups

    migrate_groups(apps, strict=False)  # creates the new model's permissions first


class Migration(migrations.Migration):

    dependencies = [
        ('anonymizer', '0016_api_review_scope'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Pipeline',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('name', models.CharField(max_length=120, unique=True)),
                ('source_dir', models.CharField(help_text='A folder on the server, inside one of VEIL_PIPELINE_ROOTS, read on each run.', max_length=500)),
                ('source_format', models.CharField(choices=[('csv', 'CSV'), ('jsonl', 'JSON Lines'), ('text_lines', 'Plain text, one record per line'), ('text_blocks', 'Plain text, records split by blank lines')], max_length=20)),
                ('text_columns', models.JSONField(blank=True, default=list)),
                ('id_column', models.CharField(blank=True, default='', max_length=200)),
                ('data_class', models.CharField(choices=[('public', 'Public'), ('internal', 'Internal'), ('personal', 'Personal'), ('confidential', 'Confidential'), ('regulated', 'Regulated')], max_length=20)),
                ('purpose', models.CharField(choices=[('theme_analysis', 'Theme analysis'), ('case_tracking', 'Case tracking'), ('internal_reporting', 'Internal reporting'), ('external_sharing', 'External sharing'), ('model_training', 'Model training')], max_length=30)),
                ('policy_name', models.CharField(help_text="Exports use this policy's latest approved version.", max_length=120)),
                ('export_when_cleared', models.BooleanField(default=True, help_text='Export each batch as soon as its review is cleared.')),
                ('interval_minutes', models.PositiveIntegerField(blank=True, help_text='Run every this many minutes; empty: on demand only.', null=True)),
                ('enabled', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('last_run_at', models.DateTimeField(blank=True, null=True)),
                ('owner', models.ForeignKey(help_text='Scheduled runs import and export as this user (an admin).', on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['name'],
                'permissions': [('run_pipeline', 'Can run a pipeline now')],
            },
        ),
        migrations.CreateModel(
            name='PipelineRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('trigger', models.CharField(choices=[('schedule', 'Schedule'), ('manual', 'Run now')], max_length=10)),
                ('status', models.CharField(choices=[('running', 'Running'), ('succeeded', 'Succeeded'), ('partial', 'Some files failed'), ('failed', 'Failed')], default='running', max_length=10)),
                ('started_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('files_seen', models.PositiveIntegerField(default=0)),
                ('files_imported', models.PositiveIntegerField(default=0)),
                ('files_known', models.PositiveIntegerField(default=0, help_text='Imported by an earlier run.')),
                ('files_failed', models.PositiveIntegerField(default=0)),
                ('errors', models.JSONField(blank=True, default=list, help_text='Per failed file: its sha256 prefix and the import error (no file names).')),
                ('pipeline', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='runs', to='anonymizer.pipeline')),
                ('started_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-started_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='PipelineFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sha256', models.CharField(max_length=64)),
                ('size', models.PositiveBigIntegerField()),
                ('error', models.CharField(blank=True, default='', max_length=300)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('batch', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='anonymizer.sourcebatch')),
                ('export', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='anonymizer.exporteddataset')),
                ('pipeline', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='files', to='anonymizer.pipeline')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='files', to='anonymizer.pipelinerun')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('pipeline', 'sha256'), name='pipeline_file_once')],
            },
        ),
        migrations.RunPython(grant_pipeline_permissions, migrations.RunPython.noop),
    ]
