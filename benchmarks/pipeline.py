"""End-to-end detection through real rq workers into the database.

Imports N synthetic tickets, detects them with one worker, then again with two, and prints
records/s for each and the two-worker speed-up (the baseline is the one-worker run, measured in
the same run). Reads DATABASE_URL and REDIS_URL like the app (`scripts/with-test-services.sh`
gives throwaway ones). Last line: one JSON object.

    python benchmarks/pipeline.py --records 20000
    python benchmarks/pipeline.py --records 100000 --only 2     # the 100k end-to-end figure
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from _common import demo_csv, import_demo_batch
from _django import ROOT, setup
from rq import Worker


def start_workers(n: int) -> list[subprocess.Popen[bytes]]:
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.detection.worker import VeilWorker

    # Named from the class itself, so that the command follows the class when it moves.
    worker_class = f"{VeilWorker.__module__}.{VeilWorker.__qualname__}"
    command = [sys.executable, "manage.py", "rqworker", "detection", "--worker-class", worker_class]
    env = {**os.environ, "VEIL_DEV": "1"}
    return [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(n)
    ]


def wait_ready(n: int, seconds: float = 120) -> None:
    # VeilWorker loads the model before it registers, so a registered worker is a warm one.
    # After _django.setup(): it puts the project on sys.path and configures Django.
    import django_rq

    conn = django_rq.get_connection("detection")
    deadline = time.monotonic() + seconds
    while len(Worker.all(connection=conn)) < n:
        if time.monotonic() > deadline:
            raise SystemExit("workers did not start")
        time.sleep(0.2)


def measure(batch, n_workers: int, chunk_size: int) -> float:  # type: ignore[no-untyped-def]
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.detection import services as detection
    from anonymizer.models import DetectionRun

    procs = start_workers(n_workers)
    try:
        wait_ready(n_workers)
        t = time.perf_counter()
        run = detection.detection_start(actor=None, batch=batch, chunk_size=chunk_size)
        while DetectionRun.objects.get(pk=run.pk).status == DetectionRun.Status.RUNNING:
            time.sleep(0.25)
        elapsed = time.perf_counter() - t
        assert DetectionRun.objects.get(pk=run.pk).status == DetectionRun.Status.DONE
        return elapsed
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=250)
    parser.add_argument("--only", type=int, choices=[1, 2], help="Measure one worker count only.")
    args = parser.parse_args()
    setup()
    # After _django.setup(): it puts the project on sys.path and configures Django.
    import django_rq
    from django.contrib.auth import get_user_model

    django_rq.get_queue("detection").empty()
    user, _ = get_user_model().objects.get_or_create(username="bench_pipeline")
    tickets, data = demo_csv(args.records, seed=21)
    chars = sum(len(t["text"]) for t in tickets)
    batch = import_demo_batch(actor=user, data=data, name="bench-pipeline")
    result: dict[str, object] = {"benchmark": "pipeline", "records": args.records, "chars": chars}
    counts = [args.only] if args.only else [1, 2]
    for n in counts:
        seconds = measure(batch, n, args.chunk_size)
        result[f"workers_{n}_s"] = round(seconds, 1)
        result[f"workers_{n}_records_per_s"] = round(args.records / seconds)
        print(
            f"{n} worker(s): {seconds:.1f} s, {args.records / seconds:,.0f} records/s, "
            f"{chars / seconds:,.0f} chars/s"
        )
    if len(counts) == 2:
        result["two_worker_speedup"] = round(result["workers_1_s"] / result["workers_2_s"], 2)  # type: ignore[operator]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
