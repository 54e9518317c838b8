"""On SQLite too, triggers refuse UPDATE and DELETE on review decisions, whatever the client."""

from django.db import migrations

from audit.append_only import sqlite_append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("review", "0003_resolve_escalation_permission")]
    operations = [
        sqlite_append_only_trigger(
            "review_decision", "review_decision_append_only", "review decisions"
        )
    ]
