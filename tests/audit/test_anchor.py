"""The anchor: keyed checkpoints of the chain's head, kept outside the database, name what the
chain alone cannot see: a cut tail, a chain rewritten end to end, an emptied table, a forged
checkpoint. The attacks are done for real, with the database owner's rights (raw SQL, the
trigger switched off), on PostgreSQL in-process and on SQLite in a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.services import audit_log, event_hash, verify_chain

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def anchor_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VEIL_AUDIT_ANCHOR_DIR = tmp_path / "anchor"
    return settings.VEIL_AUDIT_ANCHOR_DIR


def make_events(n: int) -> list[AuditEvent]:
    return [audit_log(actor=None, action="test.event", payload={"i": i}) for i in range(n)]


def verify(*args: str) -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return f"FAILED {exc} {err.getvalue()}"
    return out.getvalue()


def checkpoint_lines(anchor_dir: Path) -> list[dict[str, Any]]:
    (path,) = anchor_dir.iterdir()
    return [json.loads(line) for line in path.read_text().splitlines()]


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.fixture
def tamperable() -> Any:
    """An attacker with the database owner's rights switches the append-only trigger off."""
    raw("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
    yield
    raw("SET CONSTRAINTS ALL IMMEDIATE")
    raw("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def rewrite_from(seq: int, payload: dict[str, Any]) -> None:
    """Edit one event's payload and recompute every later hash: the chain checks out again."""
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        if event.seq == seq:
            event.payload = payload
        new_hash = event_hash(prev, event)
        raw(
            "UPDATE audit_auditevent SET payload = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(event.payload), prev, new_hash, event.pk],
        )
        prev = new_hash


def test_it_writes_an_owner_only_keyed_checkpoint_of_the_head(anchor_dir: Path) -> None:
    events = make_events(3)
    assert "Checkpoint written: event #3" in verify("--checkpoint")
    (path,) = anchor_dir.iterdir()
    assert path.stat().st_mode & 0o777 == 0o600
    (line,) = checkpoint_lines(anchor_dir)
    assert (line["seq"], line["hash"], line["count"]) == (3, events[2].hash, 3)
    assert len(line["mac"]) == 64 and line["at"]
    make_events(1)
    verify("--checkpoint")
    assert [c["seq"] for c in checkpoint_lines(anchor_dir)] == [3, 4]  # appended, not replaced
    assert "4 events verified" in verify() and "2 checkpoint(s)" in verify()


def test_it_names_a_cut_tail(anchor_dir: Path, tamperable: Any) -> None:
    events = make_events(5)
    verify("--checkpoint")
    raw("DELETE FROM audit_auditevent WHERE seq >= 4")
    assert verify_chain() == []  # what is left is a perfect chain
    result = verify()
    assert result.startswith("FAILED") and "tail cut" in result
    assert "#3" in result and "#5" in result
    assert events[0].hash in AuditEvent.objects.values_list("hash", flat=True)


def test_it_names_a_chain_rewritten_end_to_end(anchor_dir: Path, tamperable: Any) -> None:
    make_events(5)
    verify("--checkpoint")
    rewrite_from(2, {"i": 99})
    assert verify_chain() == []
    result = verify()
    assert result.startswith("FAILED") and "chain rewritten" in result and "#5" in result


def test_it_names_a_truncated_table(anchor_dir: Path) -> None:
    make_events(3)
    verify("--checkpoint")
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses to run with deferred checks pending
    raw("TRUNCATE audit_auditevent")  # row triggers do not fire on TRUNCATE
    assert AuditEvent.objects.count() == 0
    result = verify()
    assert result.startswith("FAILED") and "table truncated or emptied" in result


def test_it_names_a_tampered_checkpoint_file(anchor_dir: Path) -> None:
    make_events(3)
    verify("--checkpoint")
    (path,) = anchor_dir.iterdir()
    forged = {**checkpoint_lines(anchor_dir)[0], "count": 2, "seq": 2}
    with path.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
        handle.write("not json\n")
    result = verify()
    assert result.startswith("FAILED") and "checkpoint file tampered" in result
    assert "lines 2, 3" in result


def test_a_checkpoint_made_with_another_key_is_tampered(anchor_dir: Path, settings: Any) -> None:
    make_events(2)
    settings.VEIL_AUDIT_KEY = "the attacker's guess"
    verify("--checkpoint")
    settings.VEIL_AUDIT_KEY = "the real key, kept outside the database"
    assert "checkpoint file tampered" in verify()


def test_it_refuses_to_checkpoint_a_tampered_trail(anchor_dir: Path, tamperable: Any) -> None:
    events = make_events(3)
    raw("UPDATE audit_auditevent SET payload = %s WHERE id = %s", ['{"i": 7}', events[1].pk])
    result = verify("--checkpoint")
    assert result.startswith("FAILED") and "no checkpoint written" in result
    assert not anchor_dir.exists() or not any(anchor_dir.iterdir())


def test_it_checkpoints_every_n_events_after_commit_only(
    anchor_dir: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.VEIL_AUDIT_CHECKPOINT_EVERY = 3
    for _ in range(7):  # each event commits on its own, as in a running system
        with django_capture_on_commit_callbacks(execute=True):
            make_events(1)
    assert [c["seq"] for c in checkpoint_lines(anchor_dir)] == [3, 6]
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        audit_log(actor=None, action="export.created", payload={})  # due, but rolled back
        raise RuntimeError("the action failed")
    assert callbacks == [] and [c["seq"] for c in checkpoint_lines(anchor_dir)] == [3, 6]


def test_a_finished_export_writes_a_checkpoint(
    admin_user: Any,
    tmp_path: Path,
    settings: Any,
    anchor_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The one test here that runs an export (detection loads the spaCy model).
    from anonymizer.exports import services as export
    from anonymizer.policies.selectors import default_policy
    from tests.anonymizer.test_export import planted_batch

    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    batch = planted_batch(admin_user, tmp_path)
    ex = export.export_start(actor=admin_user, batch=batch, policy=default_policy(), enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert export.run_export(ex.pk).status == "done"
    created = AuditEvent.objects.get(action="export.created")
    (line,) = checkpoint_lines(anchor_dir)
    assert (line["seq"], line["hash"]) == (created.seq, created.hash)


# --- SQLite: the same trigger and the same anchor, in a subprocess on a SQLite database.


def manage(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'veil.sqlite3'}",
        "VEIL_VAR_DIR": str(workdir),  # the anchor's default home: VAR_DIR/audit
        "VEIL_AUDIT_ANCHOR_DIR": str(workdir / "audit"),
        "SECRET_KEY": django_settings.SECRET_KEY,
        "VEIL_DEV": "1",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with five events and a checkpoint of them."""
    workdir = tmp_path_factory.mktemp("sqlite-template")
    assert manage(workdir, "migrate", "--noinput").returncode == 0
    script = (
        "from audit.services import audit_log\n"
        "for i in range(5): audit_log(actor=None, action='test.event', payload={'i': i})\n"
    )
    assert manage(workdir, "shell", "-c", script).returncode == 0
    done = manage(workdir, "verify_audit", "--checkpoint")
    assert "Checkpoint written: event #5" in done.stdout, done.stderr
    return workdir


@pytest.fixture
def sqlite_trail(sqlite_template: Path, tmp_path: Path) -> Path:
    workdir = tmp_path / "sqlite"
    workdir.mkdir()
    for name in ("veil.sqlite3", "audit"):
        subprocess.run(["cp", "-a", str(sqlite_template / name), str(workdir)], check=True)
    return workdir


def attack(workdir: Path, *statements: str) -> None:
    db = sqlite3.connect(workdir / "veil.sqlite3", isolation_level=None)
    try:
        for sql in statements:
            db.execute(sql)
    finally:
        db.close()


DROP_TRIGGERS = (
    "DROP TRIGGER audit_event_append_only_update",
    "DROP TRIGGER audit_event_append_only_delete",
)


@pytest.mark.parametrize(
    "sql",
    ["DELETE FROM audit_auditevent WHERE seq = 5", "UPDATE audit_auditevent SET action = 'x'"],
)
def test_sqlite_refuses_raw_updates_and_deletes(sqlite_trail: Path, sql: str) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        attack(sqlite_trail, sql)
    assert "5 events verified" in manage(sqlite_trail, "verify_audit").stdout


def test_sqlite_names_a_cut_tail(sqlite_trail: Path) -> None:
    attack(sqlite_trail, *DROP_TRIGGERS, "DELETE FROM audit_auditevent WHERE seq >= 4")
    result = manage(sqlite_trail, "verify_audit")
    assert result.returncode != 0 and "tail cut" in result.stderr


def test_sqlite_names_an_emptied_table(sqlite_trail: Path) -> None:
    attack(sqlite_trail, *DROP_TRIGGERS, "DELETE FROM audit_auditevent")
    result = manage(sqlite_trail, "verify_audit")
    assert result.returncode != 0 and "table truncated or emptied" in result.stderr


def test_sqlite_names_a_rewritten_payload(sqlite_trail: Path) -> None:
    attack(
        sqlite_trail,
        *DROP_TRIGGERS,
        "UPDATE audit_auditevent SET payload = '{\"i\": 42}' WHERE seq = 2",
    )
    result = manage(sqlite_trail, "verify_audit")
    assert result.returncode != 0 and "event #2: its content was edited" in result.stderr


def test_sqlite_review_decisions_are_append_only_too(sqlite_trail: Path) -> None:
    db = sqlite3.connect(sqlite_trail / "veil.sqlite3")
    try:
        names = {row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
            ("review_decision",))}
    finally:
        db.close()
    assert names == {"review_decision_append_only_update", "review_decision_append_only_delete"}


def test_a_rotated_key_still_verifies_what_the_former_key_signed(
    anchor_dir: Path, settings: Any,
) -> None:
    settings.VEIL_AUDIT_KEY = "the first key, kept outside the database"
    make_events(2)
    verify("--checkpoint")
    settings.VEIL_AUDIT_KEY = "the second key, after a rotation"
    assert "checkpoint file tampered" in verify()  # without the former key: unverifiable
    settings.VEIL_AUDIT_KEY_FALLBACKS = ["the first key, kept outside the database"]
    assert verify().startswith("Audit trail intact: 2 events verified, against 1 checkpoint")
    make_events(1)
    verify("--checkpoint")  # new checkpoints under the second key
    assert verify().startswith("Audit trail intact: 3 events verified, against 2 checkpoint")
    settings.VEIL_AUDIT_KEY_FALLBACKS = []  # the former key dropped: its checkpoint fails
    result = verify()
    assert "checkpoint file tampered" in result and "line 1" in result


def test_with_a_derived_key_the_former_secret_key_verifies(
    anchor_dir: Path, settings: Any,
) -> None:
    settings.VEIL_AUDIT_KEY = ""
    settings.SECRET_KEY = "f" * 50
    make_events(2)
    verify("--checkpoint")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "n" * 50, ["f" * 50]
    assert verify().startswith("Audit trail intact: 2 events verified, against 1 checkpoint")
