"""Learning curve: simulated reviewers correct detection, Veil retrains, held-out leak falls.

    python benchmarks/learning_curve.py GOLD.jsonl [--rounds N] [--limit N]
        [--train-model [--epochs N] [--synthetic N]]

GOLD.jsonl: one object a line with "text" and "spans" [{start, end, label}] (the format of
common PII corpora). A fixed fifth of the corpus is held out and never reviewed. Each round
detects the next slice of the rest with the active rule set, turns the differences from gold
into review decisions through the same services the browser uses (accept, reject, adjust,
relabel, add, submit), builds a candidate rule set from all corrections so far, has an officer
confirm its proposed patterns and activate it, then measures the held-out slice. With
--train-model, each round also fine-tunes the NER model on the corrections so far
(rulesets.training.model_train) and the officer activates the draft that names it.
Reads DATABASE_URL and REDIS_URL like the app. Last line: {"rounds": [{"leak", "precision"}]}.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import sys
import time
from pathlib import Path

from _django import setup
from rq.utils import import_attribute


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser()
    parser.add_argument("gold")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="Use only the first N documents.")
    parser.add_argument("--train-model", action="store_true",
                        help="Also fine-tune the NER model each round.")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--no-patterns", action="store_true",
                        help="The officer confirms none of the proposed patterns.")
    parser.add_argument("--synthetic", type=int, default=200)
    args = parser.parse_args(argv)
    setup()
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.engine.analyzer import detect_many, get_analyzer
    from anonymizer.engine.evaluation import evaluate, load_gold
    from anonymizer.rulesets import services as rulesets
    from anonymizer.rulesets.selectors import ruleset_active, ruleset_engine_config
    from anonymizer.rulesets.services import proposal_confirm, retrain_round

    lines = Path(args.gold).read_text(encoding="utf-8").splitlines()
    docs = load_gold(lines)
    if args.limit:
        docs = docs[: args.limit]
    # A fixed fifth of the corpus is held out: never imported, never reviewed.
    held_docs = [d for i, d in enumerate(docs) if _held(i)]
    train_docs = [d for i, d in enumerate(docs) if not _held(i)]
    slices = [train_docs[i :: args.rounds] for i in range(args.rounds)]
    tag = str(int(time.time() * 1000))
    admin, reviewer, officer, second = _users(tag)

    def measure() -> dict[str, float]:
        config = ruleset_engine_config(ruleset_active())
        predicted = list(detect_many([d.text for d in held_docs], analyzer=get_analyzer(config)))
        report = evaluate(held_docs, predicted)
        return {"leak": round(report.leak_rate, 4), "precision": round(report.char_precision, 4)}

    curve = [measure()]
    print(f"round 0 (before retraining): {curve[0]}", flush=True)
    for number, part in enumerate(slices, start=1):
        batch = _import(part, f"learning-{tag}-{number}", admin, reviewer)
        _detect(batch, admin)
        gold_of = {r.id: part[i] for i, r in enumerate(batch.records.order_by("position"))}
        reviewed = _review_queue(reviewer, gold_of)
        candidate = retrain_round(actor=officer)
        while candidate.proposals and not args.no_patterns:
            candidate = proposal_confirm(actor=officer, ruleset=candidate, index=0)
        rulesets.ruleset_activate(actor=second, ruleset=candidate,
                                  override_reason="Learning-curve benchmark: measured below")
        if args.train_model:
            candidate = _train_model(officer, second, args)
        curve.append(measure())
        print(f"round {number}: reviewed {reviewed} records, rule set v{candidate.version}: "
              f"{curve[-1]}", flush=True)
    result = {"rounds": curve, "documents": len(docs), "held_out": len(held_docs),
              "train_model": args.train_model}
    print(json.dumps(result))
    return result


def _train_model(officer, second, args):  # type: ignore[no-untyped-def]
    """Fine-tune the model on the corrections so far; the second officer activates the draft."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.rulesets import services as rulesets
    from anonymizer.rulesets.services import nermodels_sync_status
    from anonymizer.rulesets.training import model_train

    started = time.time()
    run = model_train(actor=officer, epochs=args.epochs, synthetic=args.synthetic)
    rulesets.ruleset_activate(actor=second, ruleset=run.ruleset,
                              override_reason="Learning-curve benchmark: measured below")
    nermodels_sync_status()
    summary = run.model.summary
    print(f"  NER model v{run.model.version}: {summary['documents']}, best epoch "
          f"{summary['best_epoch']}/{summary['epochs_run']}, dev F {summary['dev_f_before']} -> "
          f"{summary['dev_f_after']}, {time.time() - started:.0f}s; regressions "
          f"{run.evaluation.regressions}", flush=True)
    return run.ruleset


def _held(index: int) -> bool:
    return hashlib.sha256(f"lc-holdout:{index}".encode()).digest()[0] < 256 // 5


def _users(tag: str):  # type: ignore[no-untyped-def]
    """An admin, a reviewer and two privacy officers of this run (four eyes: the one who
    builds a candidate cannot activate it)."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer import roles
    from anonymizer.batches import services

    admin = services.user_create_with_role(username=f"lc_admin_{tag}",
                                           password="x-benchmark-only-x", role=roles.ADMIN)
    reviewer = services.user_create_with_role(username=f"lc_reviewer_{tag}",
                                              password="x-benchmark-only-x", role=roles.REVIEWER)
    officer = services.user_create_with_role(username=f"lc_officer_{tag}",
                                             password="x-benchmark-only-x",
                                             role=roles.PRIVACY_OFFICER)
    second = services.user_create_with_role(username=f"lc_officer2_{tag}",
                                            password="x-benchmark-only-x",
                                            role=roles.PRIVACY_OFFICER)
    return admin, reviewer, officer, second


def _import(part, name, admin, reviewer):  # type: ignore[no-untyped-def]
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.batches import services

    payload = "\n".join(json.dumps({"id": f"g{i}", "text": d.text}) for i, d in enumerate(part))
    batch = services.batch_import(actor=admin, data=payload.encode(), name=name,
                                  data_class="personal", purpose="external_sharing",
                                  source_format="jsonl")
    services.batch_assign_reviewers(actor=admin, batch=batch, reviewers=[reviewer])
    return batch


def _detect(batch, admin):  # type: ignore[no-untyped-def]
    """Detect the batch in this process, in the order workers would: every chunk, then the
    hand-off job that builds the review queue, found by the dotted path detection enqueues."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.detection import jobs
    from anonymizer.detection import services as detection

    run = detection.detection_start(actor=admin, batch=batch)
    for chunk_id in run.chunks.values_list("id", flat=True):
        jobs.detect_chunk(chunk_id)
    import_attribute(detection.QUEUE_PREPARE_JOB)(run.pk)


def _review_queue(reviewer, gold_of):  # type: ignore[no-untyped-def]
    """Work the queue as a careful person: reject spans gold does not hold, fix bounds and
    types, add what was missed, submit."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from review import services as review

    count = 0
    while (item := review.queue_next(reviewer=reviewer)) is not None:
        gold = [(s.start, s.end, s.label) for s in gold_of[item.record_id].spans]
        matched = set()
        for span in list(item.spans.all()):
            hit = next((g for g in gold if g[0] < span.end and span.start < g[1]
                        and g not in matched), None)
            if hit is None:
                item = review.span_reject(actor=reviewer, item=item, version=item.version,
                                          span_id=span.id)
                continue
            matched.add(hit)
            if (span.start, span.end) != hit[:2]:
                with contextlib.suppress(review.ReviewError):  # e.g. would overlap another
                    item = review.span_adjust(actor=reviewer, item=item, version=item.version,
                                              span_id=span.id, start=hit[0], end=hit[1])
            if span.label != hit[2]:
                item = review.span_relabel(actor=reviewer, item=item, version=item.version,
                                           span_id=span.id, label=hit[2])
            item = review.span_accept(actor=reviewer, item=item, version=item.version,
                                      span_id=span.id)
        for g in gold:
            if g not in matched:
                try:
                    item = review.span_add(actor=reviewer, item=item, version=item.version,
                                           start=g[0], end=g[1], label=g[2])
                except review.ReviewError:
                    continue
        item = review.spans_accept_all(actor=reviewer, item=item, version=item.version)
        review.item_submit(actor=reviewer, item=item, version=item.version)
        count += 1
    return count


if __name__ == "__main__":
    main(sys.argv[1:])
