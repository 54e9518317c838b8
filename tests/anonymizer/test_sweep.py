"""The sweep (`manage.py sweep`, and rq's cron scheduler running it) and "start again": lost
detection jobs and exports are queued again, live ones are left alone, against the real Redis
and real workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from typing import Any

import django_rq
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from anonymizer.batches import services
from anonymizer.batches.demo import demo_tickets, tickets_to_csv
from anonymizer.detection import jobs
from anonymizer.detection import services as detection
from anonymizer.exports import services as exports
from anonymizer.models import (
    DetectedSpan,
    DetectionChunk,
    DetectionRun,
    ExportedDataset,
    Record,
    RiskAssessment,
)
from anonymizer.policies.selectors import default_policy
from audit.models import AuditEvent
from tests.workers import ROOT, stop_worker, wait_for
from tests.workers import test_database_url as database_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_redis(redis_conn: Any, settings: Any) -> Any:
    redis_conn.flushdb()
    settings.VEIL_SWEEP_PENDING_SECONDS = 0
    return redis_conn


def demo_batch(admin_user: Any, n: int = 30) -> Any:
    return services.batch_import(
        actor=admin_user, data=tickets_to_csv(demo_tickets(n, seed=5)), name="sweep",
        data_class="personal", purpose="external_sharing", source_format="csv",
        text_columns=["text"], id_column="ticket_id",
    )


def queued_ids(queue: str = "detection") -> set[str]:
    return set(django_rq.get_queue(queue).get_job_ids())


def chunk_jobs(run: DetectionRun) -> set[str]:
    return set(run.chunks.values_list("job_id", flat=True))


def sweep() -> dict[str, int]:
    out = StringIO()
    call_command("sweep", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_it_requeues_pending_chunks_whose_jobs_redis_lost(
    admin_user: Any, fresh_redis: Any
) -> None:
    run = detection.detection_start(actor=admin_user, batch=demo_batch(admin_user), chunk_size=10)
    assert queued_ids() == chunk_jobs(run) and len(queued_ids()) == 3
    fresh_redis.flushdb()  # Redis restarted without its data

    counts = sweep()

    assert counts["chunks_requeued"] == 3 and counts["runs"] == 1
    assert queued_ids() == chunk_jobs(run) and len(queued_ids()) == 3
    event = AuditEvent.objects.get(action="detection.swept")
    assert event.payload == {"run": str(run.public_id), "leases_recovered": 0, "chunks_requeued": 3}


def test_it_gives_no_second_job_to_a_chunk_whose_job_is_alive(admin_user: Any) -> None:
    run = detection.detection_start(actor=admin_user, batch=demo_batch(admin_user), chunk_size=10)
    before = chunk_jobs(run)

    assert sweep()["chunks_requeued"] == 0
    assert sweep()["chunks_requeued"] == 0

    assert chunk_jobs(run) == before == queued_ids()
    assert not AuditEvent.objects.filter(action="detection.swept").exists()


def test_it_waits_before_requeueing_a_chunk_queued_a_moment_ago(
    admin_user: Any, fresh_redis: Any, settings: Any
) -> None:
    settings.VEIL_SWEEP_PENDING_SECONDS = 60
    run = detection.detection_start(actor=admin_user, batch=demo_batch(admin_user), chunk_size=10)
    fresh_redis.flushdb()
    assert sweep()["chunks_requeued"] == 0
    run.chunks.update(enqueued_at=timezone.now() - timedelta(seconds=61))
    assert sweep()["chunks_requeued"] == 3


def test_it_gives_out_again_a_chunk_whose_lease_expired(admin_user: Any, fresh_redis: Any) -> None:
    run = detection.detection_start(actor=admin_user, batch=demo_batch(admin_user), chunk_size=30)
    chunk = run.chunks.get()
    assert detection.chunk_claim(chunk.pk, worker="host:1:dead-job")
    fresh_redis.flushdb()
    run.chunks.update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    counts = sweep()

    assert counts["chunk_leases_recovered"] == 1 and counts["chunks_requeued"] == 0
    chunk.refresh_from_db()
    assert chunk.status == DetectionChunk.Status.PENDING and queued_ids() == {chunk.job_id}


def test_starting_again_on_the_page_requeues_what_is_pending(
    admin_user: Any, fresh_redis: Any
) -> None:
    batch = demo_batch(admin_user)
    run = detection.detection_start(actor=admin_user, batch=batch, chunk_size=10)
    fresh_redis.flushdb()
    client = Client()
    client.force_login(admin_user)
    assert b'data-testid="start-again"' in client.get(
        reverse("batch_progress", args=[batch.public_id])
    ).content

    response = client.post(reverse("batch_detect", args=[batch.public_id]))

    assert response.status_code == 302
    assert DetectionRun.objects.filter(batch=batch).count() == 1
    assert queued_ids() == chunk_jobs(run) and len(queued_ids()) == 3
    assert AuditEvent.objects.get(action="detection.resumed").payload["chunks_requeued"] == 3


def test_a_failed_enqueue_leaves_a_run_the_page_can_start_again(
    admin_user: Any, settings: Any
) -> None:
    working = settings.RQ_QUEUES
    settings.RQ_QUEUES = {
        name: {**conf, "URL": "redis://127.0.0.1:9/0"} for name, conf in working.items()
    }
    imported = services.batch_import_and_detect(
        actor=admin_user, data=tickets_to_csv(demo_tickets(30, seed=5)), name="down",
        data_class="personal", purpose="external_sharing", source_format="csv",
        text_columns=["text"], id_column="ticket_id",
    )
    assert imported.detection_error  # the upload page says "start it again below"
    run = DetectionRun.objects.get(batch=imported.batch, status="running")
    settings.RQ_QUEUES = working
    client = Client()
    client.force_login(admin_user)
    page = client.get(reverse("batch_detail", args=[imported.batch.public_id]))
    assert b'data-testid="start-again"' in page.content

    client.post(reverse("batch_detect", args=[imported.batch.public_id]))

    assert len(queued_ids()) == run.chunk_count and queued_ids() == chunk_jobs(run)


def test_a_chunk_detected_twice_stores_one_set_of_spans(admin_user: Any) -> None:
    """Claim and store guard already: a worker that lost its lease stores nothing, and a chunk
    run again (a second job for it) replaces its output instead of adding to it."""
    run = detection.detection_start(actor=admin_user, batch=demo_batch(admin_user), chunk_size=30)
    chunk = run.chunks.get()
    assert detection.chunk_claim(chunk.pk, worker="slow:1:a")
    run.chunks.update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert jobs.detect_chunk(chunk.pk) is not None  # another worker takes it over and stores
    spans = DetectedSpan.objects.filter(run=run).count()

    detection.chunk_detect(chunk.pk, worker="slow:1:a")  # the first worker finishes late
    assert jobs.detect_chunk(chunk.pk) is None  # a second job for a done chunk does nothing
    jobs.detect_chunk(chunk.pk, force=True)  # and a forced re-run replaces the output

    keys = list(DetectedSpan.objects.filter(run=run).values_list("record_id", "start"))
    assert spans > 0 and len(keys) == spans == len(set(keys))
    assert RiskAssessment.objects.filter(run=run).count() == run.record_count


def export_of(admin_user: Any, batch: Any) -> ExportedDataset:
    return exports.export_start(actor=admin_user, batch=batch, policy=default_policy())


def test_it_requeues_an_export_whose_job_was_lost(admin_user: Any, fresh_redis: Any) -> None:
    export = export_of(admin_user, demo_batch(admin_user, 5))
    export.refresh_from_db()
    assert queued_ids("export") == {export.job_id}
    assert sweep()["exports_requeued"] == 0  # alive: left alone
    fresh_redis.flushdb()

    assert sweep()["exports_requeued"] == 1

    export.refresh_from_db()
    assert export.status == "queued" and queued_ids("export") == {export.job_id}
    assert AuditEvent.objects.get(action="export.requeued").payload == {
        "export": str(export.public_id), "reason": "job_lost",
    }


def test_an_export_whose_worker_died_is_run_again_once(
    admin_user: Any, fresh_redis: Any, settings: Any, tmp_path: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    export = export_of(admin_user, demo_batch(admin_user, 5))
    claimed = ExportedDataset.objects.filter(pk=export.pk).update(
        status="running", worker="dead:1:job", lease_expires_at=timezone.now()
    )
    assert claimed and sweep()["export_leases_recovered"] == 1

    import_job = django_rq.get_queue("export").fetch_job(
        ExportedDataset.objects.get(pk=export.pk).job_id
    )
    assert import_job is not None
    import_job.perform()  # the job a worker would run, in this process

    export.refresh_from_db()
    assert export.status == "done" and export.attempts == 1
    assert AuditEvent.objects.filter(action="export.created", target_id=str(export.pk)).count() == 1


def test_the_cron_schedule_runs_the_sweep_on_a_worker(
    admin_user: Any, fresh_redis: Any, tmp_path: Any
) -> None:
    """`make run` starts `rqcron anonymizer.detection.cron`; with a worker on the default and
    detection queues, a run whose jobs Redis lost finishes without anyone touching it."""
    run = detection.detection_start(actor=admin_user, batch=demo_batch(admin_user), chunk_size=10)
    fresh_redis.flushdb()
    # The project's settings with a one-second sweep (no environment variable sets these yet).
    (tmp_path / "sweep_settings.py").write_text(
        "from config.settings import *  # noqa: F403\n"
        "VEIL_SWEEP_SECONDS = 1\nVEIL_SWEEP_PENDING_SECONDS = 0\n"
    )
    env = {
        **os.environ, "DATABASE_URL": database_url(), "REDIS_URL": django_settings.REDIS_URL,
        "VEIL_DEV": "1", "DJANGO_SETTINGS_MODULE": "sweep_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
    }
    manage = [sys.executable, "manage.py"]
    procs = [
        subprocess.Popen(
            manage + args, cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for args in (
            ["rqcron", "anonymizer.detection.cron"],
            ["rqworker", "default", "detection", "--worker-class",
             "anonymizer.detection.worker.VeilWorker"],
        )
    ]
    try:
        wait_for(
            lambda: DetectionRun.objects.get(pk=run.pk).status == "done", what="the swept run"
        )
    finally:
        for proc in procs:
            stop_worker(proc)
    assert AuditEvent.objects.filter(action="detection.swept").exists()


def test_it_requeues_a_finished_runs_lost_hand_off_once(
    admin_user: Any, fresh_redis: Any
) -> None:
    from rq.utils import import_attribute  # the hand-off job is run the way a worker runs it

    from anonymizer.detection.recovery import HANDOFF_JOB

    run = detection.detection_start(actor=admin_user, batch=demo_batch(admin_user), chunk_size=10)
    for chunk_id in run.chunks.values_list("id", flat=True):
        jobs.detect_chunk(chunk_id)
    fresh_redis.flushdb()  # the hand-off queued after the last chunk is gone
    unsorted = Record.objects.filter(batch=run.batch, review_item__isnull=True).exclude(
        status=Record.Status.AUTO_CLEARED)
    assert unsorted.exists()

    assert sweep()["handoffs_requeued"] == 1
    assert f"handoff-{run.pk}" in queued_ids()
    assert sweep()["handoffs_requeued"] == 0  # still waiting in Redis: no second one
    import_attribute(HANDOFF_JOB)(run.pk)
    fresh_redis.flushdb()
    assert not unsorted.exists()
    assert sweep()["handoffs_requeued"] == 0
    assert AuditEvent.objects.filter(action="detection.handoff_requeued").count() == 1
