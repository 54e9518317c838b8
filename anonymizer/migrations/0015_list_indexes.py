"""Indexes for the list pages (filters and sorting at 1,000 batches / 1M records)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0014_api_tokens")]

    operations: list = [
        migrations.AddIndex(
            model_name="sourcebatch",
            index=models.Index(fields=["created_at", "id"], name="batch_created"),
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(fields=["created_at", "id"], name="record_created"),
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(
                fields=["status", "created_at", "id"], name="record_status_created"
            ),
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(
                fields=["external_id"],
                name="record_external_id_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
    ]
