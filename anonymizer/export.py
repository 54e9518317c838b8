"""Exports: approved records, transformed under an approved policy, written apart from the
originals with a manifest. The export table and files never hold raw text."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from anonymizer import roles
from anonymizer.engine.transform import PolicySpec, Span, policy_from_dict, pseudonym, transform
from anonymizer.keys import linkage_key
from anonymizer.models import DetectedSpan, ExportedDataset, Policy, Record, SourceBatch
from anonymizer.vault import vault_store_many
from audit.services import audit_log

EXPORTABLE = (Record.Status.REVIEWED, Record.Status.AUTO_CLEARED)
CHUNK = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(ValueError):
    """The export cannot be made; the message is safe to show."""


def export_dir(export: ExportedDataset) -> Path:
    return Path(settings.VEIL_EXPORT_DIR) / str(export.public_id)


def export_start(
    *, actor: Any, batch: SourceBatch, policy: Policy, enqueue: bool = True
) -> ExportedDataset:
    """Record an export request; with `enqueue`, a worker runs it (else call run_export)."""
    if not actor.has_perm("anonymizer.add_exporteddataset"):
        raise PermissionDenied("Only admins export.")
    if policy.status != Policy.Status.APPROVED:
        raise ExportError("Only an approved policy can be used for an export.")
    if policy.data_class not in ("", batch.data_class) or policy.purpose not in ("", batch.purpose):
        raise ExportError("This policy is for another data class or purpose than the batch.")
    with transaction.atomic():
        export = ExportedDataset.objects.create(batch=batch, policy=policy, created_by=actor)
        audit_log(
            actor=actor,
            action="export.requested",
            batch_public_id=batch.public_id,
            target=export,
            payload={
                "export": str(export.public_id),
                "policy": policy.name,
                "policy_version": policy.version,
            },
        )
        if enqueue:
            transaction.on_commit(lambda: _enqueue(export.pk))
    return export


def _enqueue(export_id: int) -> None:
    import django_rq

    from anonymizer import jobs

    django_rq.get_queue("export").enqueue(
        jobs.run_export, export_id, result_ttl=3600, failure_ttl=7 * 24 * 3600
    )


def final_spans(batch: SourceBatch, record_ids: list[int]) -> dict[int, list[Span]]:
    """The spans each record goes out with: the reviewed set where a person reviewed it,
    otherwise the machine's spans from the batch's current detection run."""
    from review.selectors import reviewed_spans_for_records

    reviewed = {
        rid: [Span(s.start, s.end, s.label) for s in spans]
        for rid, spans in reviewed_spans_for_records(record_ids).items()
    }
    machine: dict[int, list[Span]] = {}
    rest = [rid for rid in record_ids if rid not in reviewed]
    if rest and batch.current_run_id:
        for rid, start, end, label in DetectedSpan.objects.filter(
            run_id=batch.current_run_id, record_id__in=rest
        ).values_list("record_id", "start", "end", "label"):
            machine.setdefault(rid, []).append(Span(start, end, label))
    return {rid: reviewed.get(rid, machine.get(rid, [])) for rid in record_ids}


def neutralise_cell(value: Any) -> str:
    """A spreadsheet must not run a cell as a formula."""
    text = "" if value is None else (value if isinstance(value, str) else json.dumps(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def run_export(export_id: int, *, progress: Callable[[int], None] | None = None) -> ExportedDataset:
    claimed = ExportedDataset.objects.filter(
        pk=export_id, status=ExportedDataset.Status.QUEUED
    ).update(status=ExportedDataset.Status.RUNNING)
    export = ExportedDataset.objects.select_related("batch", "policy", "created_by").get(
        pk=export_id
    )
    if not claimed:
        return export
    directory = export_dir(export)
    try:
        manifest = _write_files(export, directory, progress)
    except Exception as exc:
        shutil.rmtree(directory, ignore_errors=True)
        ExportedDataset.objects.filter(pk=export.pk).update(
            status=ExportedDataset.Status.FAILED,
            error=type(exc).__name__,
            finished_at=timezone.now(),
        )
        raise
    with transaction.atomic():
        ExportedDataset.objects.filter(pk=export.pk).update(
            status=ExportedDataset.Status.DONE,
            manifest=manifest,
            finished_at=timezone.now(),
            records_done=manifest["records"]["exported"],
        )
        audit_log(
            actor=export.created_by,
            action="export.created",
            batch_public_id=export.batch.public_id,
            target=export,
            payload={
                "export": str(export.public_id),
                "files": {k: v["sha256"] for k, v in manifest["files"].items()},
                "records": manifest["records"]["exported"],
            },
        )
    export.refresh_from_db()
    return export


def _write_files(
    export: ExportedDataset, directory: Path, progress: Callable[[int], None] | None
) -> dict[str, Any]:
    batch, policy = export.batch, export.policy
    spec = policy_from_dict(policy.rules)
    columns = policy_from_dict({"rules": policy.column_rules})
    key = linkage_key(policy.linkage_domain)
    kept_columns = [
        c
        for c in batch.structured_columns
        if c in columns.rules and columns.rules[c].operator != "redact"
    ]
    suppressed, generalized, tabular = _k_anonymize(batch, policy, kept_columns)
    tmp = directory.with_name(directory.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    left_out: Counter[str] = Counter()
    per_type: Counter[str] = Counter()
    per_operator: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    vault: dict[str, tuple[str, str]] = {}
    exported = 0
    records = Record.objects.filter(batch=batch).order_by("position")
    ExportedDataset.objects.filter(pk=export.pk).update(records_total=batch.record_count)
    with (
        (tmp / "records.jsonl").open("w", encoding="utf-8") as jf,
        (tmp / "records.csv").open("w", encoding="utf-8", newline="") as cf,
    ):
        writer = csv.writer(cf)
        writer.writerow(["id", "text", *kept_columns])
        ids = list(records.values_list("id", flat=True))
        for start in range(0, len(ids), CHUNK):
            chunk = list(
                Record.objects.filter(id__in=ids[start : start + CHUNK])
                .order_by("position")
                .only("id", "external_id", "text", "fields", "status")
            )
            spans = final_spans(batch, [r.id for r in chunk])
            for record in chunk:
                if record.status not in EXPORTABLE:
                    left_out[record.status] += 1
                    continue
                if record.id in suppressed:
                    left_out["suppressed_for_k_anonymity"] += 1
                    continue
                result = transform(record.text, spans[record.id], spec, key)
                for change in result.changes:
                    per_type[change.label] += 1
                    per_operator[f"{change.label}:{change.operator}"] += 1
                    if change.operator == "pseudonymize":
                        original = record.text[change.start : change.end]
                        vault[pseudonym(original, change.label, key)] = (change.label, original)
                fields = _transform_fields(record.fields, kept_columns, columns, key)
                fields.update(generalized.get(record.id, {}))
                jf.write(
                    json.dumps(
                        {"id": record.external_id, "text": result.text, "fields": fields},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                writer.writerow(
                    [
                        neutralise_cell(record.external_id),
                        neutralise_cell(result.text),
                        *(neutralise_cell(fields.get(c)) for c in kept_columns),
                    ]
                )
                by_status[record.status] += 1
                exported += 1
            if progress is not None:
                progress(len(chunk))
            ExportedDataset.objects.filter(pk=export.pk).update(records_done=start + len(chunk))
    vault_store_many(policy.linkage_domain, vault)
    files = {
        name: {"sha256": _sha256(tmp / name), "bytes": (tmp / name).stat().st_size}
        for name in ("records.jsonl", "records.csv")
    }
    manifest = _manifest(
        export, exported, left_out, per_type, per_operator, by_status, files, kept_columns
    )
    if tabular is not None:
        manifest["tabular"] = tabular
    aggregates = _dp_release(export, kept_columns)
    if aggregates is not None:
        (tmp / "aggregates.json").write_text(json.dumps(aggregates, indent=2), encoding="utf-8")
        manifest["files"]["aggregates.json"] = {
            "sha256": _sha256(tmp / "aggregates.json"),
            "bytes": (tmp / "aggregates.json").stat().st_size,
        }
        manifest["differential_privacy"] = {k: v for k, v in aggregates.items() if k != "groups"}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    shutil.rmtree(directory, ignore_errors=True)
    tmp.rename(directory)
    return manifest


def _k_anonymize(
    batch: SourceBatch, policy: Policy, kept_columns: list[str]
) -> tuple[set[int], dict[int, dict[str, str]], dict[str, Any] | None]:
    """Generalize the exported quasi-identifiers to the policy's target k (and l), suppressing
    at most its budget of records. Returns suppressed record ids, generalized values, summary."""
    from anonymizer import tabular
    from anonymizer.engine.tabular import TargetUnreachable, generalize_search
    from anonymizer.models import ColumnRole

    target = dict(policy.tabular or {})
    if not target.get("k"):
        return set(), {}, None
    if batch.structured_columns and not any(r.role for r in batch.column_roles.all()):
        raise ExportError(
            "A privacy officer must confirm the batch's column roles before an "
            "export with a target k."
        )
    quasi = [r for r in tabular.confirmed(batch, ColumnRole.Role.QUASI) if r.column in kept_columns]
    if not quasi:
        return set(), {}, {"target": target, "note": "no quasi-identifier is exported"}
    sensitive = [
        r.column
        for r in tabular.confirmed(batch, ColumnRole.Role.SENSITIVE)
        if r.column in kept_columns
    ]
    names = [r.column for r in quasi]
    ids, data = tabular.column_values(batch, names + sensitive, statuses=EXPORTABLE)
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


def _dp_release(export: ExportedDataset, kept_columns: list[str]) -> dict[str, Any] | None:
    """Counts (and means) per category with differential privacy, against the batch's budget."""
    from anonymizer import tabular
    from anonymizer.engine import tabular as engine
    from anonymizer.models import PrivacyBudgetEntry

    dp = dict((export.policy.tabular or {}).get("dp") or {})
    if not dp:
        return None
    epsilon, total = float(dp["epsilon"]), float(dp["total"])
    group_by, value = str(dp["group_by"]), dp.get("value")
    with transaction.atomic():
        SourceBatch.objects.select_for_update().get(pk=export.batch_id)
        spent = sum(
            PrivacyBudgetEntry.objects.filter(batch=export.batch_id).values_list(
                "epsilon", flat=True
            )
        )
        try:
            engine.budget_check(spent, epsilon, total)
        except engine.BudgetExceeded:
            raise ExportError(
                f"The privacy budget of this batch is spent: {spent:g} of "
                f"{total:g} used, this release needs {epsilon:g}."
            ) from None
        columns = [group_by] + ([str(value)] if value else [])
        _, data = tabular.column_values(export.batch, columns, statuses=EXPORTABLE)
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
        PrivacyBudgetEntry.objects.create(
            batch=export.batch, export=export, epsilon=epsilon, total_budget=total
        )
    return {
        "epsilon": epsilon,
        "budget_total": total,
        "budget_spent": spent + epsilon,
        "group_by": group_by,
        "value": value,
        "groups": groups,
    }


def _transform_fields(
    fields: dict[str, Any], kept: list[str], columns: PolicySpec, key: bytes
) -> dict[str, Any]:
    """Each kept column's value is one span; its rule's `entity_type` param (default: the
    column name in capitals) tells generalize what kind of value it is."""
    out: dict[str, Any] = {}
    for column in kept:
        value = fields.get(column)
        if value is None or value == "":
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        spec = columns.operator_for(column)
        label = str(spec.params.get("entity_type", column.upper()))
        out[column] = transform(
            text, [Span(0, len(text), label)], PolicySpec({label: spec}), key
        ).text
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest(
    export: ExportedDataset,
    exported: int,
    left_out: Counter[str],
    per_type: Counter[str],
    per_operator: Counter[str],
    by_status: Counter[str],
    files: dict[str, Any],
    kept_columns: list[str],
) -> dict[str, Any]:
    batch, policy = export.batch, export.policy
    run = batch.current_run
    reviewed = by_status.get(Record.Status.REVIEWED, 0)
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
            "left_out": dict(sorted(left_out.items())),
            "left_out_reason": "only reviewed or auto-cleared records are exported",
        },
        "review": {
            "reviewed_by_person": reviewed,
            "auto_cleared": by_status.get(Record.Status.AUTO_CLEARED, 0),
            "share_reviewed_by_person": round(reviewed / exported, 4) if exported else 0.0,
            "precision_from_decisions": _precision(batch),
        },
        "entities": dict(sorted(per_type.items())),
        "operators": dict(sorted(per_operator.items())),
        "columns_exported": kept_columns,
        "files": files,
        "created_by": export.created_by.get_username(),
        "created_at": timezone.now().isoformat(),
    }


def _precision(batch: SourceBatch) -> float | None:
    """Share of the machine's spans that reviewers kept, among those a person decided on in
    this batch (accepted, or accepted with another type or bounds, versus rejected)."""
    from review.models import ReviewSpan, SpanStatus

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


def export_download_path(
    *, actor: Any, export: ExportedDataset, name: str, ip_address: str | None = None
) -> Path:
    if not roles.has_role(actor, roles.ADMIN):
        raise PermissionDenied("Only admins download exports.")
    if export.status != ExportedDataset.Status.DONE or name not in (
        "records.jsonl",
        "records.csv",
        "manifest.json",
    ):
        raise ExportError("No such file.")
    audit_log(
        actor=actor,
        action="export.downloaded",
        batch_public_id=export.batch.public_id,
        target=export,
        payload={"export": str(export.public_id), "file": name},
        ip_address=ip_address,
    )
    return export_dir(export) / name
