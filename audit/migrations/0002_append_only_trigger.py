"""On PostgreSQL, a trigger refuses UPDATE and DELETE on audit events, whatever the client."""

from django.db import migrations

from audit.append_only import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        append_only_trigger("audit_auditevent", "audit_event_append_only", "audit events")
    ]
