"""Triggers that refuse UPDATE and DELETE on a table, for migrations to install: PostgreSQL's,
and the same on SQLite.

No TRUNCATE trigger: the test suite's database flush truncates every table between tests (the
audit trail's checkpoints, audit/anchor.py, name a truncated table instead). SQLite has no
TRUNCATE; its DELETE without WHERE fires the trigger, so `flush` fails on a SQLite database
with these triggers.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def append_only_trigger(table: str, name: str, what: str) -> migrations.RunPython:
    """A migration operation installing trigger `name` on `table` (PostgreSQL only)."""
    create = f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{what} are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {name} ON {table};
CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {name}();
"""
    drop = f"""
DROP TRIGGER IF EXISTS {name} ON {table};
DROP FUNCTION IF EXISTS {name}();
"""

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create, params=None)

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop, params=None)

    return migrations.RunPython(forwards, backwards)


def sqlite_append_only_trigger(table: str, name: str, what: str) -> migrations.RunPython:
    """A migration operation installing triggers `name`_update and `name`_delete (SQLite only)."""
    ops = ("UPDATE", "DELETE")
    create = [
        f"CREATE TRIGGER IF NOT EXISTS {name}_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{what} are append-only ({op} refused)'); END;"
        for op in ops
    ]
    drop = [f"DROP TRIGGER IF EXISTS {name}_{op.lower()};" for op in ops]

    def run(statements: list[str]) -> Any:
        def apply(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor == "sqlite":
                for sql in statements:
                    schema_editor.execute(sql, params=None)

        return apply

    return migrations.RunPython(run(create), run(drop))
