from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from audit.models import AppendOnlyError, AuditEvent
from audit.services import audit_log, verify_chain

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_anchor_dir(settings: Any, tmp_path: Any) -> None:
    """verify_audit also reads the checkpoints outside the database (audit/anchor.py): those
    that committed events of other tests (rq workers) left behind must not count here."""
    settings.VEIL_AUDIT_ANCHOR_DIR = tmp_path / "anchor"


def make_events(n: int, actor: Any = None) -> list[AuditEvent]:
    return [audit_log(actor=actor, action="test.event", payload={"i": i}) for i in range(n)]


def verify() -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as exc:
        return f"FAILED {exc} {err.getvalue()}"
    return out.getvalue()


def test_the_chain_links_each_event_to_the_previous_one() -> None:
    events = make_events(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert verify_chain() == []
    assert "3 events verified" in verify()


def test_the_orm_refuses_updates_and_deletes() -> None:
    event = make_events(1)[0]
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.fixture
def tamperable() -> Any:
    """What an attacker with the database owner's rights would do: switch the trigger off."""
    if connection.vendor == "postgresql":
        raw("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
    yield
    if connection.vendor == "postgresql":
        raw("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending before ALTER
        raw("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def test_postgres_refuses_raw_updates_and_deletes() -> None:
    # `make test` runs on PostgreSQL, where the trigger lives.
    assert connection.vendor == "postgresql", "run the suite with `make test` (PostgreSQL)"
    event = make_events(1)[0]
    for sql in ("UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
                "DELETE FROM audit_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw(sql, [event.pk])


def test_verify_names_an_edited_event(tamperable: Any) -> None:
    events = make_events(4)
    raw("UPDATE audit_auditevent SET payload = %s WHERE id = %s", ['{"i": 99}', events[2].pk])
    result = verify()
    assert result.startswith("FAILED") and "event #3: its content was edited" in result


def test_verify_names_a_removed_event(tamperable: Any) -> None:
    events = make_events(4)
    raw("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    result = verify()
    assert "event #3: expected event #2 here" in result


def test_verify_finds_reordered_events(tamperable: Any) -> None:
    events = make_events(3)
    raw("UPDATE audit_auditevent SET seq = 100 WHERE id = %s", [events[0].pk])
    raw("UPDATE audit_auditevent SET seq = 1 WHERE id = %s", [events[2].pk])
    raw("UPDATE audit_auditevent SET seq = 3 WHERE id = %s", [events[0].pk])
    problems = verify_chain()
    assert {p.seq for p in problems} >= {1, 3}


def test_logins_logouts_and_failures_are_audited(admin_user: Any) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": admin_user.username, "password": "bad"})
    client.post("/accounts/login/", {"username": admin_user.username,
                                     "password": "correct horse battery"})
    client.post("/accounts/logout/")
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions[-3:] == ["auth.login_failed", "auth.login", "auth.logout"]
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert admin_user.username not in str(failed.payload)


def test_officers_filter_the_audit_page_and_download_csv(
    officer: Any, admin_user: Any, batch: Any
) -> None:
    client = Client()
    client.force_login(officer)
    def rows(**query: str) -> str:
        return client.get("/audit/", query).content.decode().split("<tbody>")[1]

    page = rows(action="batch.imported")
    assert "batch.imported" in page and "batch.reviewers_assigned" not in page
    assert "batch.reviewers_assigned" in rows(batch=str(batch.public_id))
    csv_body = b"".join(
        client.get("/audit/events.csv", {"username": admin_user.username}).streaming_content
    ).decode()
    lines = csv_body.strip().splitlines()
    assert lines[0].startswith("seq,at,actor,action")
    assert all(",alice_admin," in line for line in lines[1:]) and len(lines) >= 3
    assert "Jane Roe" not in csv_body  # the batch's text never reaches the trail
    admin = Client()
    admin.force_login(admin_user)
    assert admin.get("/audit/").status_code == 403
