"""Checkpoints of the chain's head, kept outside the database.

The chain only proves that each event links to the one before: removing the newest events,
emptying the table or rewriting the chain from some event onwards (its hashes are unkeyed)
leaves a chain that checks out. A checkpoint records the head (its seq and hash) and the number
of events, with an HMAC whose key the database does not hold (audit/keys.py), in an owner-only
file of JSON lines that is only ever appended to: VEIL_AUDIT_ANCHOR_DIR (default VAR_DIR/audit),
one file per database. `checkpoint_findings` compares the trail with every checkpoint.

Checkpoints are written after the commit of every VEIL_AUDIT_CHECKPOINT_EVERY-th event and of
each finished export, and by `manage.py verify_audit --checkpoint` (run it from a schedule).
"""

from __future__ import annotations

import hmac
import json
import os
import re
from dataclasses import asdict, dataclass
from hashlib import sha256
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Count, Window
from django.utils import timezone

from audit.keys import ANCHOR, audit_key, audit_keys
from audit.models import AuditEvent

# The event anonymizer/exports/services.py records when an export's files are published.
EXPORT_FINISHED = "export.created"
DEFAULT_EVERY = 1000

TAIL_CUT = "tail cut"
CHAIN_REWRITTEN = "chain rewritten"
TABLE_EMPTIED = "table truncated or emptied"
FILE_TAMPERED = "checkpoint file tampered"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    count: int
    at: str


@dataclass(frozen=True)
class AnchorFinding:
    kind: str
    detail: str


def anchor_path() -> Path:
    directory = getattr(settings, "VEIL_AUDIT_ANCHOR_DIR", None) or Path(settings.VAR_DIR) / "audit"
    name = f"{connection.vendor}-{Path(str(connection.settings_dict['NAME'])).name}"
    return Path(directory) / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.jsonl"


def checkpoint_due(event: AuditEvent) -> bool:
    every = max(1, int(getattr(settings, "VEIL_AUDIT_CHECKPOINT_EVERY", DEFAULT_EVERY)))
    return event.action == EXPORT_FINISHED or event.seq % every == 0


def current_head() -> Checkpoint:
    # One statement, so that the head and the count come from the same snapshot.
    row = (
        AuditEvent.objects.annotate(total=Window(Count("id")))
        .order_by("-seq")
        .values_list("seq", "hash", "total")
        .first()
    )
    seq, head_hash, count = row or (0, "", 0)
    return Checkpoint(seq=seq, hash=head_hash, count=count, at=timezone.now().isoformat())


def checkpoint_write() -> Checkpoint:
    """Append a checkpoint of the committed head to the anchor file."""
    head = current_head()
    line = json.dumps({**asdict(head), "mac": _mac(head)}, sort_keys=True) + "\n"
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())  # one write of one short line: appends do not interleave
        os.fsync(fd)
    finally:
        os.close(fd)
    return head


def _mac(c: Checkpoint, key: bytes | None = None) -> str:
    message = f"{c.seq}|{c.hash}|{c.count}|{c.at}".encode()
    return hmac.new(key or audit_key(ANCHOR), message, sha256).hexdigest()


def checkpoints_read() -> tuple[list[Checkpoint], list[int]]:
    """The checkpoints whose HMAC holds, and the numbers of the lines that fail."""
    path = anchor_path()
    if not path.exists():
        return [], []
    good, bad = [], []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        checkpoint = _parsed(line)
        if checkpoint is None:
            bad.append(number)
        else:
            good.append(checkpoint)
    return good, bad


def _parsed(line: str) -> Checkpoint | None:
    try:
        data = json.loads(line)
        c = Checkpoint(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            count=int(data["count"]),
            at=str(data["at"]),
        )
        mac = str(data["mac"])
    except (ValueError, KeyError, TypeError):
        return None
    # the current key, or a former one kept to verify what it signed (audit.keys.audit_keys)
    keys = audit_keys(ANCHOR)
    return c if any(hmac.compare_digest(mac, _mac(c, key)) for key in keys) else None


def checkpoint_findings() -> tuple[list[AnchorFinding], int]:
    """What the checkpoints say about the trail, and how many valid checkpoints there are."""
    # The file before the head: a checkpoint is written after its commit, so every one read
    # here is at or behind the head read below, however busy the trail is.
    checkpoints, bad_lines = checkpoints_read()
    findings = []
    if bad_lines:
        lines = ", ".join(str(n) for n in bad_lines)
        findings.append(
            AnchorFinding(
                FILE_TAMPERED,
                f"line{'s' * (len(bad_lines) > 1)} {lines} of {anchor_path()} fail the HMAC check",
            )
        )
    if checkpoints:
        findings += _compared(checkpoints, current_head())
    return findings, len(checkpoints)


def _compared(checkpoints: list[Checkpoint], head: Checkpoint) -> list[AnchorFinding]:
    newest = max(checkpoints, key=lambda c: (c.seq, c.count))
    if head.count == 0 and newest.count > 0:
        return [
            AnchorFinding(
                TABLE_EMPTIED,
                f"no events are left; the checkpoint of {newest.at} recorded {newest.count}",
            )
        ]
    findings = []
    if newest.seq > head.seq or newest.count > head.count:
        findings.append(
            AnchorFinding(
                TAIL_CUT,
                f"the newest event is #{head.seq} ({head.count} events); the checkpoint "
                f"of {newest.at} recorded #{newest.seq} ({newest.count} events)",
            )
        )
    stored = dict(
        AuditEvent.objects.filter(seq__in={c.seq for c in checkpoints}).values_list("seq", "hash")
    )
    differ = [c for c in checkpoints if c.seq in stored and stored[c.seq] != c.hash]
    if differ:
        first = min(differ, key=lambda c: c.seq)
        findings.append(
            AnchorFinding(
                CHAIN_REWRITTEN,
                f"event #{first.seq} is not the event the checkpoint of "
                f"{first.at} recorded: the chain was rewritten up to it or before",
            )
        )
    return findings
