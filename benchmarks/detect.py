"""Detection speed, one process: Veil's engine against stock Presidio and the spaCy NER floor.

    .venv/bin/python benchmarks/detect.py [--n 2000] [--corpus tickets.jsonl] [--repeat 3]

On one corpus, in one run, measures characters per second for
  (a) ours:     anonymizer.engine.analyzer.detect_many (batched NER + Veil's rule pass),
  (b) presidio: a plain Presidio AnalyzerEngine.analyze() loop, all default recognizers,
                the same spaCy model (full pipeline, as Presidio loads it),
  (c) floor:    spaCy tok2vec+ner alone via nlp.pipe (what any NER-based design must pay).
Each is warmed up first; then --repeat rounds run all three in turn and the best time of
each is kept (the machine is noisy). The
last line of output is one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from anonymizer.engine.analyzer import (  # noqa: E402
    DEFAULT_BATCH_SIZE,
    EXCLUDED_PIPES,
    MODEL_NAME,
    detect_many,
    get_analyzer,
    plain_presidio_analyzer,
)
from anonymizer.engine.ruleset import default_ruleset_config  # noqa: E402
from anonymizer.engine.synth import generate_tickets  # noqa: E402


def load_texts(args: argparse.Namespace) -> list[str]:
    if args.corpus:
        with open(args.corpus, encoding="utf-8") as handle:
            texts = [json.loads(line)["text"] for line in handle if line.strip()]
        return texts[: args.n] if args.n else texts
    return [t["text"] for t in generate_tickets(args.n or 2000, seed=args.seed)]


def interleaved_best(
    runs: dict[str, Callable[[list[str]], object]], texts: list[str], repeat: int
) -> dict[str, float]:
    """Best time of each run over `repeat` rounds, the runs taking turns within each round, so
    that load from elsewhere on a noisy machine falls on all of them alike."""
    for run in runs.values():
        run(texts[: min(len(texts), 100)])  # warm-up
    best = {name: float("inf") for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run(texts)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=0, help="number of texts (default 2000)")
    parser.add_argument("--corpus", help="JSONL file with a 'text' per line")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--skip-presidio", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    texts = load_texts(args)
    chars = sum(len(t) for t in texts)
    print(f"corpus: {len(texts)} texts, {chars} chars, mean {chars / max(len(texts), 1):.0f}")

    analyzer = get_analyzer(default_ruleset_config())
    floor_nlp = spacy.load(MODEL_NAME, exclude=EXCLUDED_PIPES)

    def ours(batch: list[str]) -> object:
        return sum(len(s) for s in detect_many(batch, analyzer=analyzer,
                                               batch_size=args.batch_size))

    def floor(batch: list[str]) -> object:
        return sum(len(d.ents) for d in floor_nlp.pipe(batch, batch_size=args.batch_size))

    runs: dict[str, Callable[[list[str]], object]] = {"floor": floor, "ours": ours}
    if not args.skip_presidio:
        presidio = plain_presidio_analyzer()

        def plain(batch: list[str]) -> object:
            return sum(len(presidio.analyze(t, language="en")) for t in batch)

        runs["presidio"] = plain
    best = interleaved_best(runs, texts, args.repeat)
    results: dict[str, float | int | None] = {"texts": len(texts), "chars": chars}
    for name, seconds in best.items():
        results[f"{name}_cps"] = round(chars / seconds)
    results["presidio_cps"] = results.get("presidio_cps")
    results["time_ratio_vs_floor"] = round(best["ours"] / best["floor"], 3)
    results["speedup_vs_presidio"] = (
        round(best["presidio"] / best["ours"], 2) if "presidio" in best else None
    )
    print(f"floor (spaCy tok2vec+ner, nlp.pipe): {results['floor_cps']:>9} chars/s")
    print(f"ours (detect_many):                   {results['ours_cps']:>9} chars/s "
          f"({results['time_ratio_vs_floor']}x the floor's time)")
    if "presidio" in best:
        print(f"plain Presidio analyze() loop:        {results['presidio_cps']:>9} chars/s "
              f"(ours is {results['speedup_vs_presidio']}x faster)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
