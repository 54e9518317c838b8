"""The structured columns of an export: generalized to the policy's target k (and l), and
differentially private aggregates charged to the batch's privacy budget (the DP ledger)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from anonymizer.engine import tabular as engine
from anonymizer.engine.tabular import TargetUnreachable, generalize_search
from anonymizer.exports.selectors import EXPORTABLE, ExportError
from anonymizer.models import (
    ColumnRole,
    ExportedDataset,
    Policy,
    PrivacyBudgetEntry,
    SourceBatch,
)


def k_anonymize(
    batch: SourceBatch, policy: Policy, kept_columns: list[str]
) -> tuple[set[int], dict[int, dict[str, str]], dict[str, Any] | None]:
    """Generalize the exported quasi-identifiers to the policy's target k (and l), suppressing
    at most its budget of records. Returns suppressed record ids, generalized values, summary."""
    target = dict(policy.tabular or {})
    if not target.get("k"):
        return set(), {}, None
    if batch.structured_columns and not any(r.role for r in batch.column_roles.all()):
        raise ExportError(
            "A privacy officer must confirm the batch's column roles before an "
            "export with a target k."
        )
    quasi = [r for r in batch.confirmed_columns(ColumnRole.Role.QUASI) if r.column in kept_columns]
    if not quasi:
        return set(), {}, {"target": target, "note": "no quasi-identifier is exported"}
    sensitive = [
        r.column
        for r in batch.confirmed_columns(ColumnRole.Role.SENSITIVE)
        if r.column in kept_columns
    ]
    names = [r.column for r in quasi]
    ids, data = batch.column_values(names + sensitive, statuses=EXPORTABLE)
    if not ids:
        return set(), {}, {"target": target, "note": "no record to export"}
    try:
        result = generalize_search(
            data,
            {r.column: r.hierarchy or "category" for r in quasi},
            int(target["k"]),
            int(target["l"]) if target.get("l") else None,
            sensitive,
            float(target.get("suppression", 0.05)),
            max_levels={str(c): int(v) for c, v in dict(target.get("max_levels", {})).items()},
        )
    except TargetUnreachable as exc:
        raise ExportError(
            f"k={target['k']} cannot be reached within the suppression budget: {exc}"
        ) from None
    table = result.table
    kept = set(int(i) for i in table.index)
    suppressed = {rid for i, rid in enumerate(ids) if i not in kept}
    generalized = {ids[int(i)]: {c: str(table.at[i, c]) for c in names} for i in table.index}
    return (
        suppressed,
        generalized,
        {"target": target, "quasi_identifiers": names, "sensitive": sensitive, **result.as_dict()},
    )


def dp_release(export: ExportedDataset, kept_columns: list[str]) -> dict[str, Any] | None:
    """Counts (and means) per category with differential privacy, against the batch's budget."""
    dp = dict((export.policy.tabular or {}).get("dp") or {})
    if not dp:
        return None
    epsilon, total = float(dp["epsilon"]), float(dp["total"])
    group_by, value = str(dp["group_by"]), dp.get("value")
    with transaction.atomic():
        SourceBatch.objects.select_for_update().get(pk=export.batch_id)
        # An export run again after its worker died charged the budget on its first run, whose
        # aggregates were never published: it is charged once.
        spent = sum(
            PrivacyBudgetEntry.objects.filter(batch=export.batch_id)
            .exclude(export=export)
            .values_list("epsilon", flat=True)
        )
        try:
            engine.budget_check(spent, epsilon, total)
        except engine.BudgetExceeded:
            raise ExportError(
                f"The privacy budget of this batch is spent: {spent:g} of "
                f"{total:g} used, this release needs {epsilon:g}."
            ) from None
        columns = [group_by] + ([str(value)] if value else [])
        _, data = export.batch.column_values(columns, statuses=EXPORTABLE)
        bounds = tuple(dp.get("bounds", (0, 100)))
        groups = engine.dp_aggregates(
            data,
            group_by=group_by,
            value=str(value) if value else None,
            epsilon=epsilon,
            bounds=(float(bounds[0]), float(bounds[1])),
            # Public category keys from the policy, so the release does not reveal which
            # categories occur in the data.
            categories=[str(c) for c in dp["categories"]] if dp.get("categories") else None,
        )
        PrivacyBudgetEntry.objects.get_or_create(
            batch=export.batch, export=export,
            defaults={"epsilon": epsilon, "total_budget": total},
        )
    return {
        "epsilon": epsilon,
        "budget_total": total,
        "budget_spent": spent + epsilon,
        "group_by": group_by,
        "value": value,
        "groups": groups,
    }
