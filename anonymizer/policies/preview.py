"""Reads for the policy page's preview: sample records of a batch, the highest-risk first,
original beside transformed under one policy version. Raw text: only for a privacy officer
who may see the batch (`require_preview`); the view records that they looked (ids only).

Spans are the machine's detections of the batch's current run (reviewers' corrections live
in the review stage, above this one); pseudonyms show as a placeholder, never a real token."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When

from anonymizer import permissions
from anonymizer.engine.labels import is_hint
from anonymizer.engine.transform import (
    OperatorSpec,
    PolicySpec,
    Span,
    TransformResult,
    apply_operator,
    policy_from_dict,
    resolve_overlaps,
    transform,
)
from anonymizer.models import DetectedSpan, Policy, Record, RiskAssessment, SourceBatch
from anonymizer.policies.rules import ID_LABEL, column_label

PREVIEW_RECORDS = 5
MAX_PREVIEW_RECORDS = 20
NO_KEY = b"preview-only"  # pseudonyms never show; the other operators use no key
TIER_ORDER = Case(
    When(tier="high", then=Value(0)), When(tier="medium", then=Value(1)),
    default=Value(2), output_field=IntegerField(),
)


@dataclass(frozen=True)
class Segment:
    text: str
    label: str = ""  # the entity type of a detected or replaced piece, "" for plain text
    operator: str = ""


@dataclass
class PreviewRecord:
    record_id: int
    position: int
    tier: str
    original: list[Segment]
    transformed: list[Segment]
    id_original: str
    id_transformed: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # column, before, after


def may_preview(user: Any) -> bool:
    """Privacy officers: they see every batch and edit policies (admins and reviewers not)."""
    return permissions.is_officer(user) and permissions.may(user, permissions.CHANGE_POLICY)


def require_preview(user: Any, batch: SourceBatch) -> None:
    """Raw text is for privacy officers who may see the batch: 404 if they may not see it,
    403 for anyone else (admins and reviewers included)."""
    permissions.check_batch(user, batch)
    if not may_preview(user):
        raise PermissionDenied("Only a privacy officer previews records under a policy.")


def fitting_batches(user: Any, policy: Policy, limit: int = 50) -> list[SourceBatch]:
    """The newest batches the user may see that the policy fits."""
    batches: QuerySet[SourceBatch] = permissions.batches_for_user(user)
    if policy.data_class:
        batches = batches.filter(data_class=policy.data_class)
    if policy.purpose:
        batches = batches.filter(purpose=policy.purpose)
    return list(batches.order_by("-created_at", "-id")[:limit])


def _hide(spec: OperatorSpec, label: str) -> OperatorSpec:
    if spec.operator != "pseudonymize":
        return spec
    return OperatorSpec("replace", {"label": f"[{label} pseudonym]"})


def _safe_spec(spec: PolicySpec, labels: set[str]) -> PolicySpec:
    return PolicySpec(
        rules={label: _hide(spec.operator_for(label), label) for label in labels},
        default=_hide(spec.default, "default"),
    )


def _segments(text: str, pieces: list[tuple[int, int, str, str]]) -> list[Segment]:
    out, cursor = [], 0
    for start, end, label, operator in pieces:
        if start > cursor:
            out.append(Segment(text[cursor:start]))
        out.append(Segment(text[start:end], label, operator))
        cursor = end
    if cursor < len(text):
        out.append(Segment(text[cursor:]))
    return out


def _sample(batch: SourceBatch, n: int) -> list[tuple[Record, str]]:
    """`n` records, the highest tier of the current run first, then the least confident."""
    if batch.current_run_id is None:
        records = Record.objects.filter(batch=batch).order_by("position")[:n]
        return [(r, "") for r in records]
    found = (
        RiskAssessment.objects.filter(run_id=batch.current_run_id, record__batch=batch)
        .select_related("record")
        .order_by(TIER_ORDER, "min_score", "record__position")[:n]
    )
    return [(a.record, a.tier) for a in found]


def _spans(batch: SourceBatch, record_ids: list[int]) -> dict[int, list[Span]]:
    spans: dict[int, list[Span]] = {rid: [] for rid in record_ids}
    if batch.current_run_id is None:
        return spans
    rows = DetectedSpan.objects.filter(run_id=batch.current_run_id, record_id__in=record_ids)
    for rid, start, end, label in rows.values_list("record_id", "start", "end", "label"):
        if not is_hint(label):
            spans[rid].append(Span(start, end, label))
    return spans


def _column_values(
    record: Record, batch: SourceBatch, policy: Policy
) -> list[tuple[str, str, str]]:
    """Each structured column, its value, and what it leaves as ("" for a dropped column)."""
    columns = policy_from_dict({"rules": policy.column_rules or {}})
    out = []
    for column in batch.structured_columns:
        value = (record.fields or {}).get(column)
        text = "" if value is None else value if isinstance(value, str) else json.dumps(value)
        spec = columns.rules.get(column)
        if spec is None or spec.operator == "redact" or not text:
            out.append((column, text, ""))
            continue
        label = column_label(column, spec)
        after = transform(text, [Span(0, len(text), label)], _safe_spec(
            PolicySpec({label: spec}), {label}), NO_KEY).text
        out.append((column, text, after))
    return out


def _id_after(external_id: str, policy: Policy) -> str:
    raw = policy.id_rule or {"operator": "pseudonymize"}
    spec = policy_from_dict({"rules": {"id": raw}}).rules["id"]
    return apply_operator(external_id, ID_LABEL, _hide(spec, ID_LABEL), NO_KEY)


def preview_records(
    policy: Policy, batch: SourceBatch, n: int = PREVIEW_RECORDS
) -> list[PreviewRecord]:
    """Up to `n` records of `batch`, original beside transformed under `policy`."""
    sample = _sample(batch, max(1, min(n, MAX_PREVIEW_RECORDS)))
    spans = _spans(batch, [r.id for r, _ in sample])
    spec = policy_from_dict(policy.rules or {})
    out = []
    for record, tier in sample:
        found = spans[record.id]
        result: TransformResult = transform(
            record.text, found, _safe_spec(spec, {s.label for s in found}), NO_KEY
        )
        merged = resolve_overlaps(found, len(record.text))
        out.append(PreviewRecord(
            record_id=record.id, position=record.position, tier=tier,
            original=_segments(record.text, [(s.start, s.end, s.label, "") for s in merged]),
            transformed=_segments(result.text, [
                (c.new_start, c.new_end, c.label, c.operator) for c in result.changes
            ]),
            id_original=record.external_id, id_transformed=_id_after(record.external_id, policy),
            fields=_column_values(record, batch, policy),
        ))
    return out
