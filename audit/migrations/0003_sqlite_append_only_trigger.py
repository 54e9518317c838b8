"""On SQLite too, triggers refuse UPDATE and DELETE on audit events, whatever the client."""

from django.db import migrations

from audit.append_only import sqlite_append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [
        sqlite_append_only_trigger("audit_auditevent", "audit_event_append_only", "audit events")
    ]
