"""Writing and verifying the audit trail.

`audit_log` is called by services inside their own transaction, with the actor passed
explicitly, so an action and its audit event commit together or not at all.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.anchor import (
    AnchorFinding,
    Checkpoint,
    checkpoint_due,
    checkpoint_findings,
    checkpoint_write,
)
from audit.models import AuditEvent

GENESIS = "0" * 64
# One lock for the chain's tip on PostgreSQL; SQLite serialises writers anyway.
_ADVISORY_LOCK_KEY = 0x7E11A0D1


def canonical(event: dict[str, Any]) -> bytes:
    return json.dumps(
        event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def event_fields(e: AuditEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at.isoformat(),
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "action": e.action,
        "batch": str(e.batch_public_id) if e.batch_public_id else None,
        "target_type": e.target_type,
        "target_id": e.target_id,
        "payload": e.payload,
        "ip": e.ip_address,
    }


def event_hash(prev_hash: str, e: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(event_fields(e))).hexdigest()


def audit_log(
    *,
    actor: Any,
    action: str,
    batch_public_id: UUID | str | None = None,
    target: Any = None,
    payload: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one event. Call inside the transaction of the action it records."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        user = actor if getattr(actor, "pk", None) else None
        event = AuditEvent(
            seq=(last.seq + 1) if last else 1,
            at=timezone.now(),
            actor=user,
            actor_name=getattr(user, "get_username", lambda: "system")() if user else "system",
            action=action,
            batch_public_id=batch_public_id,
            target_type=type(target).__name__ if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            payload=json.loads(canonical(payload or {})),
            ip_address=ip_address,
            prev_hash=last.hash if last else GENESIS,
        )
        event.hash = event_hash(event.prev_hash, event)
        event.save()
        if checkpoint_due(event):
            # After the commit: a checkpoint must never name an event that was rolled back.
            # A failure to write it is logged; the action has committed by then.
            transaction.on_commit(checkpoint_write, robust=True)
    return event


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(events: Iterator[AuditEvent] | None = None) -> list[ChainProblem]:
    """Recompute the chain; return every problem found (empty list: untouched)."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    expected_seq = 1
    rows = events if events is not None else AuditEvent.objects.order_by("seq").iterator(2000)
    for e in rows:
        if e.seq != expected_seq:
            problems.append(
                ChainProblem(
                    e.seq, f"expected event #{expected_seq} here: events removed or reordered"
                )
            )
        if e.prev_hash != prev_hash:
            problems.append(ChainProblem(e.seq, "its link to the previous event is broken"))
        if event_hash(e.prev_hash, e) != e.hash:
            problems.append(ChainProblem(e.seq, "its content was edited after it was written"))
        prev_hash = e.hash
        expected_seq = e.seq + 1
    return problems


@dataclass(frozen=True)
class Verification:
    chain: list[ChainProblem]
    anchor: list[AnchorFinding]
    events: int
    checkpoints: int

    @property
    def intact(self) -> bool:
        return not self.chain and not self.anchor


def audit_verify() -> Verification:
    """The chain recomputed, and the trail compared with the checkpoints outside the database."""
    findings, checkpoints = checkpoint_findings()
    return Verification(
        chain=verify_chain(),
        anchor=findings,
        events=AuditEvent.objects.count(),
        checkpoints=checkpoints,
    )


def audit_checkpoint() -> tuple[Verification, Checkpoint | None]:
    """Verify, then anchor the head if the trail is intact (never anchor a tampered one).
    What a scheduled sweep calls, as `manage.py verify_audit --checkpoint` does."""
    result = audit_verify()
    return result, (checkpoint_write() if result.intact else None)


def client_ip(request: Any) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a proxy (VEIL_BEHIND_PROXY) the last
    X-Forwarded-For entry, which the proxy itself appended (earlier entries are the client's
    to forge). Anything that is not an IP address is ignored."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR")
    if getattr(settings, "VEIL_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            return remote
    return remote


request_ip = client_ip


def as_aware(dt: datetime) -> datetime:
    return dt if timezone.is_aware(dt) else timezone.make_aware(dt)
