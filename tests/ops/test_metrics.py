"""/metrics: who may read it, what it holds, and that the Veil counters move with real work."""

from __future__ import annotations

import time
from typing import Any

import django_rq
import pytest
from django.test import Client, override_settings
from rq import Queue

from anonymizer.batches import services as batches
from anonymizer.batches.demo import demo_tickets, tickets_to_csv
from anonymizer.detection import services as detection
from anonymizer.models import DetectionRun, Record
from review import services as review
from review.models import ReviewSpan
from tests.ops.conftest import redis_at, samples
from tests.review.factories import detect, span_at
from tests.workers import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db]

TOKEN = "metrics-token-for-tests-only-0123456789"
RECORDS = ("veil_detection_records_total", ())


def scrape() -> dict[Any, float]:
    response = Client().get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return samples(response.content)


def review_actions(action: str) -> float:
    return scrape()[("veil_review_actions_total", (("action", action),))]


def test_refused_from_another_machine_without_a_token(remote: Client) -> None:
    response = remote.get("/metrics")
    assert response.status_code == 403
    assert b"veil_" not in response.content and b"django_" not in response.content


def test_refused_through_the_proxy_even_from_loopback() -> None:
    assert Client(HTTP_X_FORWARDED_FOR="198.51.100.4").get("/metrics").status_code == 403
    assert Client(HTTP_X_REAL_IP="198.51.100.4").get("/metrics").status_code == 403


@override_settings(VEIL_METRICS_TOKEN=TOKEN)
def test_a_bearer_token_opens_it_from_anywhere(remote: Client) -> None:
    assert remote.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert remote.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 403
    assert remote.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    # A wrong token is refused from loopback too, rather than falling back to the address.
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    # ... and the same token opens /healthz's detail.
    report = remote.get("/healthz/?scope=web", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").json()
    assert "ms" in report["checks"]["database"]


def test_no_token_configured_means_no_token_works(remote: Client) -> None:
    assert remote.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403
    assert remote.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 403


@override_settings(VEIL_METRICS_ALLOW_LOOPBACK=False)
def test_loopback_can_be_made_to_need_the_token_too() -> None:
    assert Client().get("/metrics").status_code == 403


def test_the_metric_names_are_there(redis_conn: Any) -> None:
    Client().get("/healthz/?scope=web")  # a request for the latency histogram to count
    names = {name for name, _ in scrape()}
    assert {
        "django_http_requests_latency_seconds_by_view_method_bucket",
        "django_http_requests_total_by_view_transport_method_total",
        "veil_detection_records_total",
        "veil_review_actions_total",
        "veil_redis_up",
        "veil_queue_depth",
        "veil_rq_workers_alive",
    } <= names
    found = scrape()
    assert found[("veil_redis_up", ())] == 1
    for queue in ("default", "detection", "export"):
        assert (("veil_queue_depth", (("queue", queue),))) in found
    assert ("veil_review_actions_total", (("action", "submit"),)) in found


def test_queue_depth_is_read_from_redis_at_scrape_time(redis_conn: Any) -> None:
    queue = Queue("export", connection=redis_conn)  # rq's own: queued now, not at a commit
    queue.empty()
    before = scrape()[("veil_queue_depth", (("queue", "export"),))]
    queue.enqueue("anonymizer.exports.jobs.run_export", 0)
    queue.enqueue("anonymizer.exports.jobs.run_export", 0)
    try:
        assert scrape()[("veil_queue_depth", (("queue", "export"),))] == before + 2
    finally:
        queue.empty()


def test_a_dead_redis_still_gives_the_rest_quickly(closed_port: int) -> None:
    with override_settings(**redis_at(f"redis://127.0.0.1:{closed_port}/0")):
        started = time.monotonic()
        found = scrape()
        elapsed = time.monotonic() - started
    assert found[("veil_redis_up", ())] == 0
    assert not any(name == "veil_queue_depth" for name, _ in found)
    assert RECORDS in found and elapsed < 2


@pytest.mark.django_db(transaction=True)
def test_records_detected_move_after_a_real_detection_run(admin_user: Any, workers: Any) -> None:
    django_rq.get_queue("detection").empty()
    before = scrape()[RECORDS]
    batch = batches.batch_import(
        actor=admin_user,
        data=tickets_to_csv(demo_tickets(30, seed=5)),
        name="metrics",
        data_class="personal",
        purpose="theme_analysis",
        source_format="csv",
        text_columns=["text"],
        id_column="ticket_id",
    )
    run = detection.detection_start(actor=admin_user, batch=batch, chunk_size=10)
    workers()
    wait_for(lambda: DetectionRun.objects.get(pk=run.pk).status == "done", what="the run")
    assert scrape()[RECORDS] == before + 30


def test_review_actions_move_when_a_decision_is_committed(
    batch: Any, reviewer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    t1 = Record.objects.get(batch=batch, external_id="T1").text
    person = span_at(t1, "Jane Roe", "PERSON", 0.85)
    detect(batch, [("high", [person]), ("medium", []), ("low", [])])
    item = review.queue_next(reviewer=reviewer)
    assert item is not None
    span = ReviewSpan.objects.filter(item=item).get()
    accepted, submitted = review_actions("accept"), review_actions("submit")

    with django_capture_on_commit_callbacks(execute=True):
        item = review.span_accept(actor=reviewer, item=item, version=item.version, span_id=span.pk)
    assert review_actions("accept") == accepted + 1

    # A refused action (a stale version) commits nothing and counts nothing.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(review.StaleVersion):
        review.item_submit(actor=reviewer, item=item, version=item.version - 1)
    assert review_actions("submit") == submitted

    with django_capture_on_commit_callbacks(execute=True):
        review.item_submit(actor=reviewer, item=item, version=item.version)
    assert review_actions("submit") == submitted + 1
    assert review_actions("accept") == accepted + 1
