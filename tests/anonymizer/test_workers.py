"""Real rq workers in their own processes, sharing the real Redis and the test database."""

from __future__ import annotations

import signal
from io import StringIO
from typing import Any

import django_rq
import pytest
from django.core.management import call_command
from django.test import Client

from anonymizer.batches import services
from anonymizer.batches.demo import demo_tickets, tickets_to_csv
from anonymizer.detection import services as detection
from anonymizer.models import DetectedSpan, DetectionChunk, DetectionRun, Record, RiskAssessment
from tests.workers import stop_worker, wait_for

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def empty_queue(redis_conn: Any) -> None:
    django_rq.get_queue("detection").empty()


def demo_batch(admin_user: Any, n: int) -> Any:
    return services.batch_import(
        actor=admin_user,
        data=tickets_to_csv(demo_tickets(n, seed=3)),
        name="w",
        data_class="personal",
        purpose="external_sharing",
        source_format="csv",
        text_columns=["text"],
        id_column="ticket_id",
    )


def one_set_of_spans(run: DetectionRun) -> None:
    assert RiskAssessment.objects.filter(run=run).count() == run.record_count
    per_record = DetectedSpan.objects.filter(run=run).values_list("record_id", "start")
    assert len(per_record) == len(set(per_record))


def test_two_workers_share_a_batch(admin_user: Any, workers: Any) -> None:
    batch = demo_batch(admin_user, 120)
    run = detection.detection_start(actor=admin_user, batch=batch, chunk_size=10)
    workers()
    workers()
    wait_for(lambda: DetectionRun.objects.get(pk=run.pk).status == "done", what="the run")
    one_set_of_spans(run)
    assert DetectionChunk.objects.filter(run=run).values("worker").distinct().count() >= 2
    hosts_pids = {w.rsplit(":", 1)[0] for w in run.chunks.values_list("worker", flat=True)}
    assert len(hosts_pids) >= 2, "both worker processes took chunks"
    assert not Record.objects.filter(batch=batch, status="new").exists()


def test_a_worker_killed_mid_chunk_loses_nothing(
    admin_user: Any, workers: Any, settings: Any
) -> None:
    settings.VEIL_DETECTION_LEASE_SECONDS = 3
    batch = demo_batch(admin_user, 300)
    run = detection.detection_start(actor=admin_user, batch=batch, chunk_size=300)
    first = workers(extra_env={"VEIL_DETECTION_LEASE_SECONDS": "3"})
    wait_for(lambda: DetectionChunk.objects.get(run=run).status == "running", what="a claim")
    stop_worker(first, signal.SIGKILL)  # the worker and its work horse die mid-chunk
    chunk = DetectionChunk.objects.get(run=run)
    assert chunk.status == "running" and not DetectedSpan.objects.filter(run=run).exists()

    workers(extra_env={"VEIL_DETECTION_LEASE_SECONDS": "60"})

    def recovered() -> bool:
        detection.run_recover_stale(DetectionRun.objects.get(pk=run.pk))
        return DetectionRun.objects.get(pk=run.pk).status == "done"

    wait_for(recovered, what="the retried chunk")
    one_set_of_spans(run)
    assert DetectionChunk.objects.get(run=run).attempts == 2


def test_detect_batch_waits_with_a_progress_bar(admin_user: Any, workers: Any) -> None:
    batch = demo_batch(admin_user, 40)
    workers()
    out, err = StringIO(), StringIO()
    call_command(
        "detect_batch",
        str(batch.public_id),
        "--wait",
        "--chunk-size",
        "10",
        "--timeout",
        "300",
        stdout=out,
        stderr=err,
    )
    assert "Done: 40 records" in out.getvalue()
    assert "Detecting" in err.getvalue() and "40/40" in err.getvalue()
    batch.refresh_from_db()
    assert batch.status == "detected"


def test_upload_in_the_browser_is_detected_and_the_page_shows_progress(
    admin_user: Any, workers: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/batches/new/",
        {
            "name": "Live",
            "data_class": "personal",
            "purpose": "case_tracking",
            "source_format": "csv",
            "text_columns": "text",
            "id_column": "ticket_id",
            "file": SimpleUploadedFile("t.csv", tickets_to_csv(demo_tickets(30, seed=5))),
        },
    )
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page and "0</span> / 30 records" in page
    workers()
    progress_url = response["Location"] + "progress/"
    wait_for(lambda: b"Done" in client.get(progress_url).content, what="progress to say Done")
    final = client.get(progress_url).content.decode()
    assert "30</span> / 30 records" in final and "every 2s" not in final
    detail = client.get(response["Location"]).content.decode()
    assert "tier-" in detail
