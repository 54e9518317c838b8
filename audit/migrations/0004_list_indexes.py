"""Indexes for the list pages (filters and sorting at 1,000 batches / 1M records)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_sqlite_append_only_trigger")]

    operations: list = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action", "seq"], name="audit_action_seq"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor_name", "seq"], name="audit_actor_name_seq"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["batch_public_id", "seq"], name="audit_batch_seq"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["target_id", "seq"], name="audit_target_seq"),
        ),
        migrations.AddIndex(
            model_name="auditevent", index=models.Index(fields=["at"], name="audit_at")
        ),
    ]
