"""Linkage tests of exports against external tables: counts and record ids, never values."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('anonymizer', '0017_pipelines'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='LinkageTest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('external_sha256', models.CharField(max_length=64)),
                ('external_rows', models.PositiveIntegerField()),
                ('shared_columns', models.JSONField(default=dict, help_text="External column -> the export's column it is joined on.")),
                ('identifier_columns', models.JSONField(default=list, help_text='External columns holding direct identifiers, searched in text.')),
                ('result', models.JSONField(default=dict)),
                ('passed', models.BooleanField()),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('export', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='linkage_tests', to='anonymizer.exporteddataset')),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
    ]
