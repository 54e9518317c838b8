"""Issue 15's three slow pages, made fast without changing what they show: the batch list
pages and counts on ids (stage filtered by indexed conditions, counts for the shown rows
only), and a rare trigger on the records list is read through a GIN index on the risk
assessments' triggers (migration 0019) before the records are fetched by id."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anonymizer.batches import recordlist, selectors
from anonymizer.models import DetectionRun, Record, RiskAssessment, SourceBatch
from tests.anonymizer.test_batch_list import detected, detecting, exported, make_batch
from tests.lists.conftest import cells, client_for, detected_batch, set_triggers

pytestmark = pytest.mark.django_db

ANNOTATED = ("stage", "run_status", "chunks_total", "chunks_done", "records_settled",
             "records_waiting", "has_export", "tier_low", "tier_medium", "tier_high")  # fmt: skip


def every_stage(admin: Any) -> None:
    """A batch in each stage, and two exported ones that are in review again or not."""
    make_batch(admin, "up")
    detecting(make_batch(admin, "det"), done=2, total=3)
    failed = detecting(make_batch(admin, "failed"))
    DetectionRun.objects.filter(pk=failed.pk).update(status=DetectionRun.Status.FAILED)
    waiting, settled = ["needs_review", "escalated", "reviewed"], ["reviewed", "auto_cleared"] * 2
    detected(make_batch(admin, "open"), waiting, ["high", "medium", "low"])
    detected(make_batch(admin, "done"), settled[:3], ["low", "low", "high"])
    exp = make_batch(admin, "exp")
    detected(exp, settled[:3], ["low", "medium", "medium"])
    exported(exp, admin)
    again = make_batch(admin, "exp-open")
    detected(again, waiting, ["low", "low", "low"])
    exported(again, admin)
    superseded = make_batch(admin, "superseded")
    run = detected(superseded, ["new", "new", "new"], ["low", "low", "low"])
    DetectionRun.objects.filter(pk=run.pk).update(status=DetectionRun.Status.SUPERSEDED)


def test_page_rows_carry_what_the_annotated_queryset_computes(admin_user: Any) -> None:
    every_stage(admin_user)
    annotated = {b.pk: b for b in selectors.batches_with_stage(SourceBatch.objects.all())}
    pks = list(SourceBatch.objects.order_by("-id").values_list("pk", flat=True))

    shown = selectors.batches_shown(pks)

    assert [b.pk for b in shown] == pks
    for b in shown:
        assert {a: getattr(b, a) for a in ANNOTATED} == {
            a: getattr(annotated[b.pk], a) for a in ANNOTATED
        }, b.name
    stages = {b.name: b.stage for b in shown}
    assert stages == {
        "up": "uploaded", "det": "detecting", "failed": "detection_failed", "open": "in_review",
        "done": "reviewed", "exp": "exported", "exp-open": "in_review", "superseded": "in_review",
    }  # fmt: skip


def test_the_stage_filter_selects_exactly_the_batches_in_that_stage(admin_user: Any) -> None:
    every_stage(admin_user)
    derived = dict(
        selectors.batches_with_stage(SourceBatch.objects.all()).values_list("pk", "stage")
    )
    for stage in selectors.Stage.values:
        chosen = set(
            SourceBatch.objects.filter(selectors.stage_is(stage)).values_list("pk", flat=True)
        )
        assert chosen == {pk for pk, s in derived.items() if s == stage}, stage
    assert len(set(derived.values())) == 6  # every stage is present


def test_the_batch_list_page_costs_the_same_queries_for_25_rows_as_for_1(admin_user: Any) -> None:
    client = client_for(admin_user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("batch_list"), {"stage": "in_review"}).status_code == 200
        return len(captured)

    b = make_batch(admin_user, "first")
    detected(b, ["needs_review", "reviewed", "reviewed"], ["low", "high", "medium"])
    queries()  # the first request also loads the session and the user's permissions
    one = queries()
    for i in range(30):
        b = make_batch(admin_user, f"more {i}")
        detected(b, ["needs_review", "reviewed", "reviewed"], ["low", "high", "medium"])
    assert queries() == one


def rare_and_walked(admin: Any, monkeypatch: Any, **params: str) -> tuple[list[str], list[str]]:
    """The records list's rows for `params` by the rare-trigger path and by the walk."""
    client = client_for(admin)
    rare = cells(client.get(reverse("record_list"), params).content.decode(), "record")
    monkeypatch.setattr(recordlist, "RARE_TRIGGER_AT_MOST", 0)  # every trigger "common"
    walked = cells(client.get(reverse("record_list"), params).content.decode(), "record")
    monkeypatch.undo()
    return rare, walked


def test_a_trigger_filter_shows_the_same_records_either_way(
    admin_user: Any, reviewer: Any, monkeypatch: Any
) -> None:
    one = detected_batch(admin_user, [reviewer], ["high", "medium", "high", "low"], name="one")
    two = detected_batch(admin_user, [reviewer], ["high", "high"], name="two")
    set_triggers(one, 1, ["health_context", "minors_context"])
    set_triggers(one, 2, ["narrative"])
    set_triggers(one, 3, ["minors_context"])
    set_triggers(two, 2, ["minors_context"])
    for params in ({"trigger": "minors_context"}, {"trigger": "minors_context", "tier": "high"},
                   {"trigger": "narrative", "tier": "high"}, {"trigger": "narrative"},
                   {"trigger": "minors_context", "batch": str(two.public_id)}):  # fmt: skip
        rare, walked = rare_and_walked(admin_user, monkeypatch, **params)
        assert rare == walked, params
    rare, _ = rare_and_walked(admin_user, monkeypatch, trigger="minors_context")
    assert len(rare) == 3
    assert len(rare_and_walked(admin_user, monkeypatch, trigger="narrative", tier="high")[0]) == 0


def test_an_old_runs_trigger_does_not_count(admin_user: Any, reviewer: Any) -> None:
    """Only the batch's current run assesses its records, on the rare path too."""
    batch = detected_batch(admin_user, [reviewer], ["high", "high"])
    set_triggers(batch, 1, ["minors_context"])
    old = DetectionRun.objects.get(pk=batch.current_run_id)
    new = DetectionRun.objects.create(
        batch=batch,
        ruleset=old.ruleset,
        chunk_size=2,
        chunk_count=1,
        record_count=2,
        status=DetectionRun.Status.DONE,
    )
    for record in Record.objects.filter(batch=batch):
        RiskAssessment.objects.create(record=record, run=new, tier="high", ruleset_version=1)
    SourceBatch.objects.filter(pk=batch.pk).update(current_run=new)
    page = client_for(admin_user).get(reverse("record_list"), {"trigger": "minors_context"})
    assert cells(page.content.decode(), "record") == []


def test_the_trigger_containment_can_use_the_gin_index() -> None:
    assert connection.vendor == "postgresql"  # the tests run on PostgreSQL
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'risk_triggers_gin'")
        (definition,) = cursor.fetchone()
        assert "gin (triggers jsonb_path_ops)" in definition
        risk = RiskAssessment.objects.filter(triggers__contains=[{"code": "minors_context"}])
        sql, params = risk.query.sql_with_params()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "risk_triggers_gin" in plan
