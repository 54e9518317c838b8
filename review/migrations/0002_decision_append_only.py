"""On PostgreSQL, a trigger refuses UPDATE and DELETE on review decisions, whatever the client."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION review_decision_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'review decisions are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS review_decision_append_only ON review_decision;
CREATE TRIGGER review_decision_append_only BEFORE UPDATE OR DELETE ON review_decision
    FOR EACH ROW EXECUTE FUNCTION review_decision_append_only();
"""
# No TRUNCATE trigger: the test suite's database flush truncates every table between tests.
DROP = """
DROP TRIGGER IF EXISTS review_decision_append_only ON review_decision;
DROP FUNCTION IF EXISTS review_decision_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
