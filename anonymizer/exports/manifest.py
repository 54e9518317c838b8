"""An export's manifest: what left, under which policy and rule set, how much a person
reviewed, and the files (the one list of an export's files; see ExportedDataset.file_names)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.utils import timezone

from anonymizer.exports.files import Plan, Tally
from anonymizer.models import ExportedDataset, Record, SourceBatch
from review.models import ReviewSpan, SpanStatus


def build_manifest(
    export: ExportedDataset, tally: Tally, files: dict[str, Any], plan: Plan
) -> dict[str, Any]:
    batch, policy = export.batch, export.policy
    run = batch.current_run
    reviewed = tally.by_status.get(Record.Status.REVIEWED, 0)
    exported = tally.exported
    return {
        "export": str(export.public_id),
        "batch": {
            "id": str(batch.public_id),
            "name": batch.name,
            "data_class": batch.data_class,
            "purpose": batch.purpose,
        },
        "policy": {
            "name": policy.name,
            "version": policy.version,
            "linkage_domain": policy.linkage_domain,
        },
        "ruleset_version": run.ruleset.version if run else None,
        "records": {
            "in_batch": batch.record_count,
            "exported": exported,
            "left_out": dict(sorted(tally.left_out.items())),
            "left_out_reason": "only reviewed or auto-cleared records are exported",
        },
        "review": {
            "reviewed_by_person": reviewed,
            "auto_cleared": tally.by_status.get(Record.Status.AUTO_CLEARED, 0),
            "share_reviewed_by_person": round(reviewed / exported, 4) if exported else 0.0,
            "precision_from_decisions": precision(batch),
        },
        "entities": dict(sorted(tally.per_type.items())),
        "operators": dict(sorted(tally.per_operator.items())),
        "surrogated_types": tally.surrogated_types,
        "columns_exported": plan.kept_columns,
        "columns": column_report(batch, plan, tally.column_counts),
        "id_column": id_report(export, plan),
        "files": files,
        "created_by": export.created_by.get_username(),
        "created_at": timezone.now().isoformat(),
    }


def column_report(
    batch: SourceBatch, plan: Plan, counts: dict[str, Counter[str]]
) -> dict[str, dict[str, Any]]:
    """Every structured column's applied transformation: operator, parameters, the type its
    values were treated as, and counts; dropped columns with the reason."""
    report: dict[str, dict[str, Any]] = {}
    for column in batch.structured_columns:
        named = column in plan.columns.rules
        if column not in plan.kept_columns:
            reason = "redact" if named else "not named by the policy"
            report[column] = {"operator": "drop", "reason": reason}
            continue
        spec = plan.columns.operator_for(column)
        tally = counts.get(column, Counter())
        report[column] = {
            "operator": spec.operator,
            "params": dict(spec.params),
            "entity_type": str(spec.params.get("entity_type", column.upper())),
            "values": tally["values"],
            "changed": tally["changed"],
            "unchanged": tally["unchanged"],
            "generalized_for_k": sum(1 for g in plan.generalized.values() if column in g),
        }
    return report


def id_report(export: ExportedDataset, plan: Plan) -> dict[str, Any]:
    """The manifest's line on the id column: its operator, and whether the policy named it."""
    return {
        "column": export.batch.id_column or None,
        "operator": plan.id_spec.operator,
        "params": dict(plan.id_spec.params),
        "source": plan.id_source,
        "linkage_domain": export.policy.linkage_domain,
    }


def precision(batch: SourceBatch) -> float | None:
    """Share of the machine's spans that reviewers kept, among those a person decided on in
    this batch (accepted, or accepted with another type or bounds, versus rejected)."""
    decided = ReviewSpan.objects.filter(
        item__batch=batch,
        detected__isnull=False,
        status__in=[SpanStatus.ACCEPTED, SpanStatus.REJECTED],
    )
    total = decided.count()
    if not total:
        return None
    kept = decided.filter(status=SpanStatus.ACCEPTED).count()
    return round(kept / total, 4)
