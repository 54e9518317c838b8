"""Detection speed: Veil's engine against stock Presidio and the spaCy NER floor.

    .venv/bin/python benchmarks/detect.py [--n 2000] [--corpus tickets.jsonl] [--repeat 3]
                                          [--process-n 700] [--skip-process]

Two measurements on short ticket-like texts, in one run:

1. Whole processes, start-up included (what a user waits for), on the first --process-n texts
   written to a JSON-lines file (700 synthetic tickets: about 280k characters):
  (a) ours:     `manage.py detect_file IN --output OUT` (Django, rule set, model, output file;
                by default it detects in one forked process per core), and the same with
                `--processes 1` (ours_one_process),
  (b) presidio: a Python process that builds a plain Presidio AnalyzerEngine (all default
                recognizers, the same spaCy model, full pipeline) and calls analyze() per text,
  (c) floor:    a Python process that loads spaCy tok2vec+ner and runs nlp.pipe over the texts.
2. In one process, warmed up (no start-up): detect_many, the analyze() loop and nlp.pipe.

Each set runs once to warm up (file caches), then --repeat rounds run its members in turn and
the best time of each is kept (the machine is noisy: compare the ratios, not the times). The
last line of output is one JSON object with all figures; the goals are
process_speedup_vs_presidio >= 2.5 and process_time_ratio_vs_floor <= 1.3.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
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


_PRESIDIO_PROCESS = """
import json, sys
sys.path.insert(0, sys.argv[2])
from anonymizer.engine.analyzer import plain_presidio_analyzer
engine = plain_presidio_analyzer()
with open(sys.argv[1], encoding="utf-8") as handle:
    for line in handle:
        engine.analyze(json.loads(line)["text"], language="en")
"""
_FLOOR_PROCESS = """
import json, sys
import spacy
nlp = spacy.load(sys.argv[3], exclude=sys.argv[4].split(","))
with open(sys.argv[1], encoding="utf-8") as handle:
    texts = [json.loads(line)["text"] for line in handle]
for doc in nlp.pipe(texts, batch_size=int(sys.argv[5])):
    pass
"""


def process_runs(corpus: Path, out: Path, batch_size: int) -> dict[str, list[str]]:
    """The command line of each whole-process run over the corpus file."""
    python = sys.executable
    return {
        "floor": [python, "-c", _FLOOR_PROCESS, str(corpus), str(ROOT), MODEL_NAME,
                  ",".join(EXCLUDED_PIPES), str(batch_size)],
        "ours": [python, str(ROOT / "manage.py"), "detect_file", str(corpus), "--output",
                 str(out), "--batch-size", str(batch_size)],
        # the same in one process (detect_file detects on every core by default)
        "ours_one_process": [python, str(ROOT / "manage.py"), "detect_file", str(corpus),
                             "--output", str(out), "--batch-size", str(batch_size),
                             "--processes", "1"],
        "presidio": [python, "-c", _PRESIDIO_PROCESS, str(corpus), str(ROOT)],
    }


def best_process_times(commands: dict[str, list[str]], repeat: int) -> dict[str, float]:
    """Best wall-clock time of each command over `repeat` rounds, after one warm-up round."""
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark"),
           "VEIL_DEV": os.environ.get("VEIL_DEV", "1")}
    best = {name: float("inf") for name in commands}
    for round_ in range(repeat + 1):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            if round_:  # round 0 warms the file caches up
                best[name] = min(best[name], time.perf_counter() - start)
    return best


def whole_processes(texts: list[str], args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="veil-bench-") as tmp:
        corpus, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        with corpus.open("w", encoding="utf-8") as handle:
            for i, text in enumerate(texts):
                handle.write(json.dumps({"id": i, "text": text}) + "\n")
        commands = process_runs(corpus, out, args.batch_size)
        if args.skip_presidio:
            del commands["presidio"]
        best = best_process_times(commands, args.repeat)
    chars = sum(len(t) for t in texts)
    figures: dict[str, float] = {"process_texts": len(texts), "process_chars": chars}
    figures.update({f"process_{name}_seconds": round(t, 2) for name, t in best.items()})
    figures["process_time_ratio_vs_floor"] = round(best["ours"] / best["floor"], 3)
    figures["process_one_process_ratio_vs_floor"] = round(
        best["ours_one_process"] / best["floor"], 3)
    if "presidio" in best:
        figures["process_speedup_vs_presidio"] = round(best["presidio"] / best["ours"], 2)
        figures["process_one_process_speedup_vs_presidio"] = round(
            best["presidio"] / best["ours_one_process"], 2)
    print(f"whole processes, {len(texts)} texts, {chars} chars: " + ", ".join(
        f"{name} {t:.1f}s" for name, t in best.items()))
    print(f"  ours is {figures.get('process_speedup_vs_presidio')}x faster than Presidio, "
          f"{figures['process_time_ratio_vs_floor']}x the floor's time")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=0, help="number of texts (default 2000)")
    parser.add_argument("--corpus", help="JSONL file with a 'text' per line")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--skip-presidio", action="store_true")
    parser.add_argument("--process-n", type=int, default=700,
                        help="texts for the whole-process runs (default 700)")
    parser.add_argument("--skip-process", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    texts = load_texts(args)
    chars = sum(len(t) for t in texts)
    print(f"corpus: {len(texts)} texts, {chars} chars, mean {chars / max(len(texts), 1):.0f}")
    process = {} if args.skip_process else whole_processes(texts[: args.process_n], args)

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
    results: dict[str, float | int | None] = {"texts": len(texts), "chars": chars, **process}
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
