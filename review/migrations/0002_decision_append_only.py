"""On PostgreSQL, a trigger refuses UPDATE and DELETE on review decisions, whatever the client."""

from django.db import migrations

from audit.append_only import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]
    operations = [
        append_only_trigger("review_decision", "review_decision_append_only", "review decisions")
    ]
