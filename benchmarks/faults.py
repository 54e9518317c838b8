"""Jobs that survive faults: detection and exports through real rq workers while workers are
killed with SIGKILL, Redis is restarted without its data and PostgreSQL is restarted.

Starts its own PostgreSQL and Redis (scripts/lib.sh), rq's cron scheduler running the sweep
(`manage.py rqcron anonymizer.detection.cron`, as `make run` does) and real workers
(anonymizer.detection.worker.VeilWorker), then:

1. detection of N tickets in 30 chunks; the worker is killed part-way, Redis restarted empty,
   a fresh worker started; PostgreSQL is restarted while it works;
2. two exports: the worker is killed during the first, the second waits in the queue, Redis is
   restarted empty (its job is lost), a fresh worker started.

Goal: every record detected exactly once, no span stored twice, no export lost, and the lost
work queued again within one sweep period of becoming recoverable ("recovery_s": from the
moment the fault healed or, for work a killed worker held, its lease expired; the "..._from_heal_s"
figures count from the heal). Last line: one JSON object.

    python benchmarks/faults.py                  # 3000 records
    python benchmarks/faults.py --records 600    # quicker
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import demo_csv, import_demo_batch
from _django import ROOT, setup

SWEEP_S, PENDING_S, CHUNK_LEASE_S, EXPORT_LEASE_S = 10, 5, 15, 10
CHUNKS = 30
WORKER = ["rqworker", "default", "detection", "export",
          "--worker-class", "anonymizer.detection.worker.VeilWorker"]


def sh(script: str) -> None:
    """Run `script` with scripts/lib.sh's helpers (start_postgres, start_redis, ...)."""
    subprocess.run(["bash", "-c", f'. "{ROOT}/scripts/lib.sh"; {script}'], check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Services:
    """A throwaway PostgreSQL and Redis that this benchmark may restart."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.pg_port, self.redis_port = tmp, free_port(), free_port()

    def start(self) -> None:
        sh(f'start_postgres "{self.tmp}/pg" {self.pg_port}')
        self.start_redis()

    def start_redis(self) -> None:
        sh(f'start_redis "{self.tmp}/redis" {self.redis_port}')

    def restart_redis_empty(self) -> None:
        """Stopped without saving; it keeps nothing on disk either: it comes back empty."""
        sh(f'stop_redis "{self.tmp}/redis" {self.redis_port}; sleep 0.5')
        self.start_redis()

    def restart_postgres(self) -> None:
        data, log = f"{self.tmp}/pg/data", f"{self.tmp}/pg/server.log"
        sh(f'pg_as "$(pg_bindir)/pg_ctl" -D "{data}" -l "{log}" -m fast -w restart >/dev/null')

    def stop(self) -> None:
        sh(f'stop_postgres "{self.tmp}/pg"; stop_redis "{self.tmp}/redis" {self.redis_port}')

    def env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": f"postgres://veil@127.0.0.1:{self.pg_port}/veil",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
        }


def configure(tmp: Path, services: Services) -> None:
    """This process and every process it starts: the services above, short sweep and leases
    (the sweep's settings through a settings module of their own: no variable sets them)."""
    (tmp / "faults_settings.py").write_text(
        "from config.settings import *  # noqa: F403\n"
        f"VEIL_SWEEP_SECONDS = {SWEEP_S}\nVEIL_SWEEP_PENDING_SECONDS = {PENDING_S}\n"
        f"VEIL_EXPORT_LEASE_SECONDS = {EXPORT_LEASE_S}\n"
    )
    os.environ.update(services.env())
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "faults_settings", "VEIL_DEV": "1",
        "PYTHONPATH": os.pathsep.join([str(tmp), str(ROOT)]),
        "VEIL_DETECTION_LEASE_SECONDS": str(CHUNK_LEASE_S),
        "VEIL_EXPORT_DIR": str(tmp / "exports"), "VEIL_VAR_DIR": str(tmp / "var"),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "faults-benchmark-only-key-0123456789",
    })
    sys.path.insert(0, str(tmp))


def manage(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )


def descendants(pid: int) -> list[int]:
    """Child processes, recursively: rq's work horse runs in a session of its own."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    children = [int(p) for p in found.split()]
    return children + [d for c in children for d in descendants(c)]


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and its work horse: both die mid-job."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGSTOP)  # frozen first: it forks no new horse meanwhile
        for child in descendants(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill(proc)


def db_retrying(read: Callable[[], Any]) -> Any:
    """A read from this process that rides out a PostgreSQL restart."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.db import OperationalError, connections

    while True:
        try:
            return read()
        except OperationalError:
            connections.close_all()
            time.sleep(0.5)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until `predicate` held (polled 10 times a second); exits on the timeout."""
    started = time.monotonic()
    while not db_retrying(predicate):
        if time.monotonic() - started > timeout:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)
    return time.monotonic() - started


def worker_ready(started_after: float) -> Callable[[], bool]:
    # After _django.setup(): it puts the project on sys.path and configures Django.
    import django_rq
    from rq import Worker

    def ready() -> bool:  # VeilWorker registers once its model is loaded
        conn = django_rq.get_connection("detection")
        return any(w.birth_date and w.birth_date.timestamp() > started_after
                   for w in Worker.all(connection=conn))

    return ready


def requeued_since(model: Any, ids: list[int], healed_at: Any) -> Callable[[], bool]:
    """True once each of the rows (chunks or exports) lost in the fault is done or has been
    queued again after `healed_at` (the sweep, or a worker's own retry, did it)."""

    def check() -> bool:
        waiting = model.objects.filter(pk__in=ids).exclude(status="done")
        return not waiting.exclude(enqueued_at__gt=healed_at).exists()

    return check


def recovery_seconds(model: Any, ids: list[int], healed_at: Any) -> tuple[float, float]:
    """Wait for the lost rows to be queued again; seconds from the moment they could be (the
    fault healed and, for a killed worker's row, its lease expired), and from the heal."""
    from django.db.models import Max  # After _django.setup(), like every Django import here.
    from django.utils import timezone  # after setup()

    lease_end = model.objects.filter(pk__in=ids, status="running").aggregate(
        end=Max("lease_expires_at"))["end"]
    recoverable_at = max(healed_at, lease_end) if lease_end else healed_at
    wait_until(requeued_since(model, ids, healed_at), 600, "the lost work to be queued again")
    now = timezone.now()
    return (now - recoverable_at).total_seconds(), (now - healed_at).total_seconds()


def detection_scenario(admin: Any, records: int) -> dict[str, Any]:
    """Kill the worker part-way, restart Redis empty, start a fresh worker, restart PostgreSQL
    while it works; wait for the run to finish."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.utils import timezone

    from anonymizer.detection.services import detection_start  # after setup()
    from anonymizer.models import DetectionChunk, DetectionRun  # after setup()
    from audit.models import AuditEvent  # after setup()

    _, data = demo_csv(records, seed=11)
    batch = import_demo_batch(actor=admin, data=data, name=f"faults-{records}")
    run = detection_start(actor=admin, batch=batch, chunk_size=max(1, -(-records // CHUNKS)))
    first = manage(*WORKER)
    kill_at = max(1, run.chunk_count * 7 // 30)
    wait_until(lambda: run.chunks.filter(status="done").count() >= kill_at, 600, "7/30 chunks")
    kill(first)
    done_at_kill = run.chunks.filter(status="done").count()
    SERVICES.restart_redis_empty()
    healed_at, t_heal = timezone.now(), time.monotonic()
    lost = list(run.chunks.exclude(status="done").values_list("id", flat=True))
    second = manage(*WORKER)
    recovery, from_heal = recovery_seconds(DetectionChunk, lost, healed_at)
    wait_until(lambda: run.chunks.filter(status="done").count() > done_at_kill + 2, 600, "work")
    SERVICES.restart_postgres()
    wait_until(
        lambda: DetectionRun.objects.get(pk=run.pk).status != "running", 900, "the run to end"
    )
    wait_until(lambda: AuditEvent.objects.filter(action="review.queue_prepared",
                                                 target_id=str(run.pk)).exists(),
               300, "the hand-off to review (auto-clearing the low tier)")
    return {
        "run": run, "batch": batch, "worker": second, "chunks": run.chunk_count,
        "chunks_done_at_kill": done_at_kill, "detection_recovery_s": round(recovery, 1),
        "detection_recovery_from_heal_s": round(from_heal, 1),
        "detection_s": round(time.monotonic() - t_heal, 1),
    }


def export_scenario(admin: Any, batch: Any, worker: subprocess.Popen[bytes]) -> dict[str, Any]:
    """Kill the worker during one export while a second waits in the queue, restart Redis
    empty, start a fresh worker; wait for both exports."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.utils import timezone

    from anonymizer.exports.services import export_start  # after setup()
    from anonymizer.models import ExportedDataset  # after setup()
    from anonymizer.policies.selectors import default_policy  # after setup()

    first = export_start(actor=admin, batch=batch, policy=default_policy())
    second = export_start(actor=admin, batch=batch, policy=default_policy())
    ids = [first.pk, second.pk]
    wait_until(lambda: ExportedDataset.objects.get(pk=first.pk).status != "queued", 300,
               "the export to start")
    kill(worker)
    killed_mid_export = ExportedDataset.objects.get(pk=first.pk).status == "running"
    SERVICES.restart_redis_empty()
    healed_at, t_heal = timezone.now(), time.monotonic()
    fresh = manage(*WORKER)
    recovery, from_heal = recovery_seconds(ExportedDataset, ids, healed_at)
    try:
        wait_until(lambda: ExportedDataset.objects.filter(pk__in=ids, status="done").count()
                   == 2, 300, "both exports")
    except SystemExit as exc:
        print(exc, file=sys.stderr)
    lost = ExportedDataset.objects.filter(pk__in=ids).exclude(status="done").count()
    stop(fresh)
    return {"lost_exports": lost, "killed_mid_export": killed_mid_export,
            "export_recovery_s": round(recovery, 1),
            "export_recovery_from_heal_s": round(from_heal, 1),
            "export_s": round(time.monotonic() - t_heal, 1)}


def detected_figures(run: Any) -> dict[str, int]:
    """Records with exactly one risk assessment of the run; spans stored twice (by position)."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.db.models import Count

    from anonymizer.models import DetectedSpan, Record  # after setup()

    once = Record.objects.filter(batch=run.batch_id, risk_assessments__run=run).annotate(
        n=Count("risk_assessments")).filter(n=1).count()
    dupes = DetectedSpan.objects.filter(run=run).values("record_id", "start").annotate(
        n=Count("id")).filter(n__gt=1).count()
    return {"detected_once": once, "duplicate_spans": dupes}


SERVICES: Services


def main() -> dict[str, Any]:
    global SERVICES
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=3000)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="veil-faults-") as tmp:
        os.chmod(tmp, 0o755)
        SERVICES = Services(Path(tmp))
        SERVICES.start()
        try:
            return _measure(Path(tmp), args.records, started)
        finally:
            SERVICES.stop()


def _measure(tmp: Path, records: int, started: float) -> dict[str, Any]:
    configure(tmp, SERVICES)
    setup()
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer import roles
    from anonymizer.batches import services

    admin = services.user_create_with_role(
        username="faults_admin", password="x-benchmark-only-x", role=roles.ADMIN
    )
    cron = manage("rqcron", "anonymizer.detection.cron")
    try:
        detection = detection_scenario(admin, records)
        exports = export_scenario(admin, detection["batch"], detection["worker"])
        cron_alive = cron.poll() is None
    finally:
        stop(cron)
    run = detection.pop("run")
    run.refresh_from_db()
    del detection["batch"], detection["worker"]
    result: dict[str, Any] = {
        "benchmark": "faults", "records": records, **detected_figures(run),
        "lost_exports": exports.pop("lost_exports"),
        "recovery_s": max(detection["detection_recovery_s"], exports["export_recovery_s"]),
        "run_status": run.status, **detection, **exports, "cron_survived": cron_alive,
        "sweep_s": SWEEP_S, "chunk_lease_s": CHUNK_LEASE_S, "export_lease_s": EXPORT_LEASE_S,
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
