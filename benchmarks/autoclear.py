"""Auto-clear: what leaves with no person's review, and whether identifiers survive in it.

    python benchmarks/autoclear.py GOLD.jsonl [--limit N] [--sample-rate 0] [--no-baseline]

GOLD.jsonl: one object a line with "text" and "spans" [{start, end, label}]. The documents are
imported as one batch (data class personal), detected in this process the way workers do it
(every chunk, then the hand-off job that builds the review queue, with the low-tier review
sample at --sample-rate: 0 by default, so the whole low tier is auto-cleared), and exported
under the `default` policy with nobody reviewing anything: only auto-cleared records leave.

Figures (every gold span is must-mask):
- auto_cleared_share: auto-cleared records / all records;
- leak_in_auto_cleared: share of the gold strings of MIN_CHARS+ characters in auto-cleared
  records still verbatim in their exported text (and the same without the export's residual
  scan, from the stored spans transformed alone, as `leak_in_auto_cleared_without_scan`), and
  the strings left verbatim counted by gold label;
- char_recall, char_precision: the stored machine spans against gold by character, whatever
  the type (anonymizer.engine.evaluation: review hints are not predictions);
- with the baseline (default on): stock Presidio's char_recall and char_precision on the same
  documents in the same run.
Reads DATABASE_URL and REDIS_URL like the app (scripts/with-test-services.sh gives throwaway
ones). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import DATA_CLASS
from _django import setup
from rq.utils import import_attribute

MIN_CHARS = 4


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser()
    parser.add_argument("gold")
    parser.add_argument("--limit", type=int, default=0, help="Use only the first N documents.")
    parser.add_argument("--sample-rate", type=float, default=0.0,
                        help="Share of the low tier sampled for review instead of auto-cleared.")
    parser.add_argument("--no-baseline", action="store_true", help="Skip stock Presidio.")
    args = parser.parse_args(argv)
    # Read by the hand-off job that builds the queue; set before Django reads its settings.
    os.environ["VEIL_LOW_TIER_SAMPLE_RATE"] = str(args.sample_rate)
    setup()
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.engine.evaluation import load_gold

    docs = load_gold(Path(args.gold).read_text(encoding="utf-8").splitlines())
    docs = docs[: args.limit] if args.limit else docs
    started = time.perf_counter()
    batch, admin = _imported(docs)
    run = _detected(batch, admin)
    export = _exported(batch, admin)
    result: dict[str, Any] = {"benchmark": "autoclear", "documents": len(docs),
                              "sample_rate": args.sample_rate}
    result.update(_auto_clear_figures(docs, batch, export))
    result.update(_char_figures(docs, run, without_baseline=args.no_baseline))
    result["residual_scan"] = {k: v for k, v in export.manifest["residual_scan"].items()
                               if isinstance(v, int)}
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))
    return result


def _imported(docs: list[Any]) -> tuple[Any, Any]:
    """The documents as one batch (ids d0, d1, ... in order), and the admin who imported it."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer import roles
    from anonymizer.batches import services

    tag = str(int(time.time() * 1000))
    admin = services.user_create_with_role(
        username=f"ac_admin_{tag}", password="x-benchmark-only-x", role=roles.ADMIN
    )
    lines = (json.dumps({"id": f"d{i}", "text": doc.text}) for i, doc in enumerate(docs))
    batch = services.batch_import(
        actor=admin, data="\n".join(lines).encode(), name=f"autoclear-{tag}",
        data_class=DATA_CLASS, purpose="theme_analysis", source_format="jsonl",
    )
    return batch, admin


def _detected(batch: Any, admin: Any) -> Any:
    """Run detection here in the order workers would: chunks, then the queue hand-off job."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.detection import jobs as detection_jobs
    from anonymizer.detection.services import QUEUE_PREPARE_JOB, detection_start

    run = detection_start(actor=admin, batch=batch)
    chunk_ids = list(run.chunks.values_list("id", flat=True))
    t = time.perf_counter()
    for chunk_id in chunk_ids:
        detection_jobs.detect_chunk(chunk_id)
    print(f"detected {batch.record_count} records in {time.perf_counter() - t:.1f} s",
          flush=True)
    prepared = import_attribute(QUEUE_PREPARE_JOB)(run.pk)
    print(f"review queue: {prepared}", flush=True)
    run.refresh_from_db()
    failed = run.chunks.exclude(status="done").count()
    if failed:  # figures over a half-detected batch would be wrong, and look fine
        raise SystemExit(f"detection failed on {failed} of {len(chunk_ids)} chunks "
                         f"(run {run.status}); no figures")
    return run


def _exported(batch: Any, admin: Any) -> Any:
    """The batch exported under `default`, nobody having reviewed anything."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.exports import services as exports
    from anonymizer.policies.selectors import default_policy

    batch.refresh_from_db()
    export = exports.export_start(actor=admin, batch=batch, policy=default_policy(),
                                  enqueue=False)
    return exports.run_export(export.pk)


def _auto_clear_figures(docs: list[Any], batch: Any, export: Any) -> dict[str, Any]:
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.engine.transform import apply_operator, policy_from_dict, transform
    from anonymizer.exports.files import ID_LABEL, id_rule_of
    from anonymizer.exports.keys import linkage_key
    from anonymizer.exports.selectors import export_dir, final_spans
    from anonymizer.models import Record

    path = export_dir(export) / "records.jsonl"
    exported = {x["id"]: x["text"] for x in map(json.loads, path.read_text().splitlines())}
    cleared = dict(Record.objects.filter(batch=batch, status=Record.Status.AUTO_CLEARED)
                   .values_list("id", "external_id"))
    spans = final_spans(batch, list(cleared))
    spec = policy_from_dict(export.policy.rules)
    key = linkage_key(export.policy.linkage_domain)
    id_spec, _ = id_rule_of(export.policy.id_rule)  # the id leaves as the policy says
    exported = {external_id: exported[apply_operator(external_id, ID_LABEL, id_spec, key)]
                for external_id in cleared.values()}
    with_scan = without_scan = strings = 0
    leaked: Counter[str] = Counter()
    for record_id, external_id in cleared.items():
        doc = docs[int(external_id[1:])]
        alone = transform(doc.text, spans[record_id], spec, key).text
        for g in doc.spans:
            value = doc.text[g.start : g.end].strip()
            if len(value) < MIN_CHARS:
                continue
            strings += 1
            with_scan += value in exported[external_id]
            without_scan += value in alone
            leaked[g.label] += value in exported[external_id]
    return {
        "auto_cleared": len(cleared),
        "auto_cleared_share": round(len(cleared) / len(docs), 4) if docs else 0.0,
        "must_mask_strings_in_auto_cleared": strings,
        "leak_in_auto_cleared": round(with_scan / strings, 4) if strings else 0.0,
        "leak_in_auto_cleared_without_scan": round(without_scan / strings, 4) if strings else 0.0,
        "leaked_by_gold_label": {k: n for k, n in leaked.most_common() if n},
    }


def _char_figures(docs: list[Any], run: Any, *, without_baseline: bool) -> dict[str, Any]:
    """Character recall and precision of the run's stored spans, then of stock Presidio."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.engine.evaluation import evaluate, presidio_baseline
    from anonymizer.engine.types import SpanCandidate
    from anonymizer.models import DetectedSpan, Record

    position = dict(Record.objects.filter(batch=run.batch).values_list("id", "external_id"))
    stored: list[list[Any]] = [[] for _ in docs]
    for record_id, start, end, label, score in DetectedSpan.objects.filter(run=run).values_list(
        "record_id", "start", "end", "label", "score"
    ):
        stored[int(position[record_id][1:])].append(
            SpanCandidate(start, end, label, score, "stored")
        )
    figures = _char_pair(evaluate(docs, stored), "")
    if not without_baseline:
        t = time.perf_counter()
        base = evaluate(docs, presidio_baseline([d.text for d in docs]))
        figures.update(_char_pair(base, "presidio_"))
        figures["presidio_seconds"] = round(time.perf_counter() - t, 1)
    return figures


def _char_pair(report: Any, prefix: str) -> dict[str, float]:
    return {f"{prefix}char_recall": round(1 - report.leak_rate, 4),
            f"{prefix}char_precision": round(report.char_precision, 4)}


if __name__ == "__main__":
    main(sys.argv[1:])
