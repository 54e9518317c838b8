"""Indexes for the list pages (filters and sorting at 1,000 batches / 1M records)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("review", "0004_decision_append_only_sqlite")]

    operations: list = [
        migrations.AddIndex(
            model_name="reviewitem",
            index=models.Index(
                fields=["escalated_at", "id"],
                condition=models.Q(state="escalated"),
                name="review_item_open_escalation",
            ),
        ),
        migrations.AddIndex(
            model_name="reviewitem",
            index=models.Index(
                fields=["escalated_at", "id"],
                condition=models.Q(escalated_at__isnull=False),
                name="review_item_escalated",
            ),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(fields=["actor", "record"], name="decision_actor_record"),
        ),
    ]
