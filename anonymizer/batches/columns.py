"""A batch's structured columns: role suggestions, an officer's confirmation, and the
re-identification risk of the confirmed quasi-identifiers (Django side of
anonymizer.engine.tabular; the export's generalization is in anonymizer.exports.tabular)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from anonymizer.engine.tabular import risk_metrics, suggest_role
from anonymizer.models import ColumnRole, Record, SourceBatch
from audit.services import audit_log

SAMPLE = 200
HIERARCHIES = ("category", "date", "number", "postcode")
HIERARCHY_BY_HINT = (
    (("date", "birth", "dob", "created", "opened", "day"), "date"),
    (("age", "year", "amount", "count", "score", "income"), "number"),
    (("postcode", "postal", "zip", "plz"), "postcode"),
)


def _hierarchy_hint(column: str) -> str:
    low = column.lower()
    for words, kind in HIERARCHY_BY_HINT:
        if any(w in low for w in words):
            return kind
    return "category"


def column_roles_suggest(batch: SourceBatch) -> list[ColumnRole]:
    """The stored role of each structured column, and for a column with none yet an unsaved
    suggestion from its header and a sample of its values. Reads only (the batch page is a
    GET); `column_roles_store_suggestions` stores them."""
    existing = {r.column: r for r in batch.column_roles.all()}
    missing = [c for c in batch.structured_columns if c not in existing]
    if not missing:
        return list(batch.column_roles.all())
    sample = list(
        Record.objects.filter(batch=batch).order_by("position").values_list("fields", flat=True)[
            :SAMPLE
        ]
    )
    suggested = [
        ColumnRole(
            batch=batch,
            column=c,
            suggested=str(suggest_role(c, [str(f.get(c, "")) for f in sample])),
            hierarchy=_hierarchy_hint(c),
        )
        for c in missing
    ]
    order = {c: i for i, c in enumerate(batch.structured_columns)}
    return sorted([*existing.values(), *suggested], key=lambda r: order.get(r.column, len(order)))


def column_roles_store_suggestions(batch: SourceBatch) -> None:
    """Store the suggested role of every structured column that has no row yet."""
    unsaved = [r for r in column_roles_suggest(batch) if r.pk is None]
    if unsaved:
        ColumnRole.objects.bulk_create(unsaved, ignore_conflicts=True)


def column_roles_confirm(
    *, actor: Any, batch: SourceBatch, choices: dict[str, tuple[str, str]]
) -> None:
    """A privacy officer confirms (role, hierarchy) per column; audited."""
    valid_roles = set(ColumnRole.Role.values)
    with transaction.atomic():
        for role in batch.column_roles.select_for_update():
            if role.column not in choices:
                continue
            chosen, hierarchy = choices[role.column]
            if chosen not in valid_roles:
                raise ValueError("Choose a role from the list.")
            role.role, role.hierarchy = chosen, hierarchy or _hierarchy_hint(role.column)
            role.confirmed_by, role.confirmed_at = actor, timezone.now()
            role.save(update_fields=["role", "hierarchy", "confirmed_by", "confirmed_at"])
        audit_log(
            actor=actor,
            action="columns.roles_confirmed",
            batch_public_id=batch.public_id,
            target=batch,
            payload={c: r for c, (r, _) in sorted(choices.items())},
        )


def batch_risk(batch: SourceBatch) -> dict[str, Any] | None:
    """Risk over the confirmed quasi-identifiers of all records, before any transformation."""
    quasi = [r.column for r in batch.confirmed_columns(ColumnRole.Role.QUASI)]
    if not quasi:
        return None
    sensitive = [r.column for r in batch.confirmed_columns(ColumnRole.Role.SENSITIVE)]
    _, data = batch.column_values(quasi + sensitive)
    return risk_metrics(data, quasi, sensitive).as_dict()
