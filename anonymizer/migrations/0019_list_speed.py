"""Faster list pages at scale (see benchmarks/lists.py): a GIN index on the risk assessments'
triggers, for the records list's trigger filter (a JSON containment, `triggers @> [{code}]`).
PostgreSQL only: on SQLite the filter matches the stored text and this migration does nothing."""

from django.db import migrations

INDEX = "risk_triggers_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON anonymizer_riskassessment "
            "USING gin (triggers jsonb_path_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("anonymizer", "0018_linkage_tests")]

    operations: list = [migrations.RunPython(create, drop, elidable=False)]
