"""Pipelines: a folder read on demand or on a schedule, each new file imported once, detection
queued, cleared batches exported under the policy's latest approved version; all audited."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from anonymizer.exports.services import run_export
from anonymizer.models import ExportedDataset, Pipeline, PipelineFile, PipelineRun, SourceBatch
from anonymizer.pipelines import services
from audit.models import AuditEvent
from tests.inline_jobs import run_detection

pytestmark = pytest.mark.django_db

CSV = b"ticket_id,body\nT1,The app crashes when I open settings.\nT2,Please add a dark mode.\n"


@pytest.fixture
def inbox(tmp_path: Path, settings: Any) -> Path:
    settings.VEIL_PIPELINE_ROOTS = [str(tmp_path)]
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    folder = tmp_path / "tickets"
    folder.mkdir()
    return folder


@pytest.fixture
def pipeline(admin_user: Any, inbox: Path) -> Pipeline:
    return services.pipeline_create(
        actor=admin_user, name="weekly tickets", source_dir=str(inbox), source_format="csv",
        text_columns=["body"], id_column="ticket_id", data_class="internal",
        purpose="theme_analysis", policy_name="default", export_when_cleared=True,
        interval_minutes=60,
    )


def test_a_run_imports_each_new_file_once(pipeline: Pipeline, inbox: Path,
                                          settings: Any) -> None:
    settings.VEIL_DETECT_ON_IMPORT = False
    (inbox / "monday.csv").write_bytes(CSV)
    (inbox / ".tuesday.csv.part").write_bytes(CSV + b"T3,half written\n")
    (inbox / "sub").mkdir()
    run = services.pipeline_run(pipeline=pipeline)
    assert (run.status, run.files_seen, run.files_imported, run.files_known) == (
        PipelineRun.Status.SUCCEEDED, 1, 1, 0)
    batch = PipelineFile.objects.get(pipeline=pipeline).batch
    assert batch is not None and batch.record_count == 2 and batch.data_class == "internal"
    # the same content under another name is known; a changed file is new
    (inbox / "monday-copy.csv").write_bytes(CSV)
    (inbox / "wednesday.csv").write_bytes(CSV + b"T3,Another ticket.\n")
    again = services.pipeline_run(pipeline=pipeline)
    assert (again.files_seen, again.files_imported, again.files_known) == (3, 1, 2)
    assert SourceBatch.objects.count() == 2


def test_a_bad_file_fails_alone_and_leaves_no_batch(pipeline: Pipeline, inbox: Path,
                                                    settings: Any) -> None:
    settings.VEIL_DETECT_ON_IMPORT = False
    (inbox / "good.csv").write_bytes(CSV)
    (inbox / "jane-doe-complaint.csv").write_bytes(b"ticket_id,body\n\xff\xfe broken\n")
    run = services.pipeline_run(pipeline=pipeline)
    assert (run.status, run.files_imported, run.files_failed) == (
        PipelineRun.Status.PARTIAL, 1, 1)
    assert SourceBatch.objects.count() == 1
    failed = PipelineFile.objects.get(batch__isnull=True)
    assert failed.error and run.errors[0]["file"] == failed.sha256[:12]
    events = json.dumps(list(AuditEvent.objects.values_list("payload", flat=True)))
    assert "jane-doe" not in events and "jane-doe" not in json.dumps(run.errors)
    # not retried while it is unchanged
    assert services.pipeline_run(pipeline=pipeline).files_failed == 0


def test_the_folder_must_be_inside_an_allowed_root(admin_user: Any, inbox: Path) -> None:
    with pytest.raises(ValidationError):
        services.check_source_dir("/etc")
    with pytest.raises(ValidationError):
        services.check_source_dir(str(inbox / ".." / ".." / "elsewhere"))
    assert services.check_source_dir(str(inbox)) == inbox.resolve()


def test_detected_and_cleared_batches_are_exported(pipeline: Pipeline, inbox: Path,
                                                   settings: Any) -> None:
    settings.VEIL_LOW_TIER_SAMPLE_RATE = 0.0  # nothing to review: every record auto-clears
    (inbox / "monday.csv").write_bytes(CSV)
    services.pipeline_run(pipeline=pipeline)
    file = PipelineFile.objects.get(pipeline=pipeline)
    assert file.batch is not None and file.batch.current_run is not None
    assert services.pipelines_export_cleared() == 0  # detection has not run yet
    run_detection(file.batch.current_run)
    assert services.pipelines_export_cleared() == 1
    file.refresh_from_db()
    assert file.export is not None and file.export.policy.name == "default"
    done = run_export(file.export.pk)
    assert done.status == ExportedDataset.Status.DONE
    assert services.pipelines_export_cleared() == 0  # exported once


def test_a_batch_under_review_waits(pipeline: Pipeline, inbox: Path, settings: Any) -> None:
    settings.VEIL_LOW_TIER_SAMPLE_RATE = 1.0  # every record goes to a reviewer
    (inbox / "monday.csv").write_bytes(CSV)
    services.pipeline_run(pipeline=pipeline)
    file = PipelineFile.objects.get(pipeline=pipeline)
    assert file.batch is not None and file.batch.current_run is not None
    run_detection(file.batch.current_run)
    assert services.pipelines_export_cleared() == 0
    assert PipelineFile.objects.get(pk=file.pk).export is None


def test_schedule_claims_each_due_pipeline_once(pipeline: Pipeline) -> None:
    now = timezone.now()
    assert services.pipelines_claim_due(now) == [pipeline]
    assert services.pipelines_claim_due(now) == []  # claimed: a second sweep skips it
    assert services.pipelines_claim_due(now + timedelta(minutes=59)) == []
    assert services.pipelines_claim_due(now + timedelta(minutes=61)) == [pipeline]
    Pipeline.objects.filter(pk=pipeline.pk).update(enabled=False)
    assert services.pipelines_claim_due(now + timedelta(days=1)) == []


def test_the_sweep_runs_due_pipelines(pipeline: Pipeline, inbox: Path, settings: Any) -> None:
    settings.VEIL_DETECT_ON_IMPORT = False
    (inbox / "monday.csv").write_bytes(CSV)
    out = io.StringIO()
    call_command("sweep", stdout=out)
    totals = json.loads(out.getvalue())
    assert totals["pipelines_run"] == 1
    run = PipelineRun.objects.get()
    assert run.trigger == PipelineRun.Trigger.SCHEDULE and run.files_imported == 1
    actions = list(AuditEvent.objects.filter(action__startswith="pipeline.")
                   .values_list("action", flat=True))
    assert actions == ["pipeline.created", "pipeline.run_started", "pipeline.run_finished"]


def test_who_may_do_what(pipeline: Pipeline, officer: Any, reviewer: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.pipeline_run(pipeline=pipeline, actor=officer)
    with pytest.raises(PermissionDenied):
        services.pipeline_create(actor=officer, name="x", source_dir=pipeline.source_dir,
                                 source_format="csv", data_class="internal",
                                 purpose="theme_analysis", policy_name="default")
    client = Client()
    client.force_login(reviewer)
    assert client.get(reverse("pipeline_detail", args=[pipeline.public_id])).status_code == 404
    client.force_login(officer)
    page = client.get(reverse("pipeline_detail", args=[pipeline.public_id]))
    assert page.status_code == 200 and b"Run now" not in page.content


def test_the_page_creates_and_runs_a_pipeline(admin_user: Any, inbox: Path,
                                              settings: Any) -> None:
    settings.VEIL_DETECT_ON_IMPORT = False
    (inbox / "monday.csv").write_bytes(CSV)
    client = Client()
    client.force_login(admin_user)
    refused = client.post(reverse("pipeline_list"), {
        "name": "bad", "source_dir": "/etc", "source_format": "csv", "data_class": "internal",
        "purpose": "theme_analysis", "policy_name": "default"})
    assert refused.status_code == 400 and b"VEIL_PIPELINE_ROOTS" in refused.content
    created = client.post(reverse("pipeline_list"), {
        "name": "daily", "source_dir": str(inbox), "source_format": "csv",
        "text_columns": "body", "id_column": "ticket_id", "data_class": "internal",
        "purpose": "theme_analysis", "policy_name": "default", "export_when_cleared": "on"})
    assert created.status_code == 302
    pipeline = Pipeline.objects.get(name="daily")
    assert pipeline.interval_minutes is None and pipeline.text_columns == ["body"]
    ran = client.post(reverse("pipeline_run", args=[pipeline.public_id]), follow=True)
    assert b"1 imported" in ran.content
    assert PipelineRun.objects.get().started_by == admin_user


def test_a_crash_mid_import_releases_the_file_for_the_next_run(
    pipeline: Pipeline, inbox: Path, settings: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.VEIL_DETECT_ON_IMPORT = False
    (inbox / "monday.csv").write_bytes(CSV)

    def crash(**kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "batch_import_and_detect", crash)
    with pytest.raises(RuntimeError):
        services.pipeline_run(pipeline=pipeline)
    assert not PipelineFile.objects.exists()  # not held as "importing" for ever
    stopped = PipelineRun.objects.get()  # and the run does not stay "running"
    assert stopped.status == PipelineRun.Status.FAILED and stopped.finished_at is not None
    assert stopped.errors == [{"file": "-", "error": "run stopped (RuntimeError)"}]
    finished = AuditEvent.objects.get(action="pipeline.run_finished")
    assert finished.payload["status"] == "failed" and "database" not in json.dumps(finished.payload)
    monkeypatch.undo()
    assert services.pipeline_run(pipeline=pipeline).files_imported == 1


def test_a_killed_run_is_marked_abandoned_and_its_claims_released(
    pipeline: Pipeline, inbox: Path, settings: Any,
) -> None:
    # what a run whose process was killed mid-import leaves: "running", a claimed file with
    # no batch and no error; the sweep ends it once it has been silent long enough
    settings.VEIL_DETECT_ON_IMPORT = False
    settings.VEIL_PIPELINE_RUN_STALE_SECONDS = 600
    (inbox / "monday.csv").write_bytes(CSV)
    killed = PipelineRun.objects.create(pipeline=pipeline, trigger=PipelineRun.Trigger.SCHEDULE,
                                        heartbeat_at=timezone.now() - timedelta(minutes=11))
    PipelineFile.objects.create(pipeline=pipeline, run=killed, sha256="a" * 64, size=10)
    alive = PipelineRun.objects.create(pipeline=pipeline, trigger=PipelineRun.Trigger.MANUAL,
                                       heartbeat_at=timezone.now() - timedelta(minutes=9))
    Pipeline.objects.filter(pk=pipeline.pk).update(last_run_at=timezone.now())  # not due
    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert json.loads(out.getvalue())["pipeline_runs_abandoned"] == 1
    killed.refresh_from_db()
    alive.refresh_from_db()
    assert killed.status == PipelineRun.Status.FAILED and killed.finished_at is not None
    assert "abandoned" in killed.errors[-1]["error"]
    assert alive.status == PipelineRun.Status.RUNNING  # still within its time
    assert not PipelineFile.objects.filter(run=killed).exists()  # the next run tries it again
    event = AuditEvent.objects.get(action="pipeline.run_abandoned")
    assert event.payload["run"] == str(killed.public_id) and event.payload["files_released"] == 1
    assert services.pipeline_runs_abandoned() == 0  # once
    page = Client()
    page.force_login(pipeline.owner)
    shown = page.get(reverse("pipeline_detail", args=[pipeline.public_id])).content.decode()
    assert "abandoned: its process stopped" in shown and "last sign of life" in shown


def test_pipeline_exports_carry_its_utility_label(pipeline: Pipeline, inbox: Path,
                                                  settings: Any) -> None:
    settings.VEIL_LOW_TIER_SAMPLE_RATE = 0.0
    Pipeline.objects.filter(pk=pipeline.pk).update(utility_label="topic")
    (inbox / "with-topic.csv").write_bytes(
        b"ticket_id,body,topic\nT1,The app crashes when I open settings.,bug\n"
        b"T2,Please add a dark mode.,feature\n")
    services.pipeline_run(pipeline=pipeline)
    (inbox / "no-topic.csv").write_bytes(CSV)
    services.pipeline_run(pipeline=pipeline)
    for file in PipelineFile.objects.filter(pipeline=pipeline):
        assert file.batch is not None and file.batch.current_run is not None
        run_detection(file.batch.current_run)
    assert services.pipelines_export_cleared() == 2
    labels = {f.batch.structured_columns == ["topic"]: f.export.utility_label
              for f in PipelineFile.objects.select_related("batch", "export")}
    assert labels == {True: "topic", False: ""}  # a file without the column: no label


def test_the_upload_inbox_takes_a_file_for_the_next_run(
    pipeline: Pipeline, inbox: Path, settings: Any, officer: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.VEIL_DETECT_ON_IMPORT = False
    client = Client()
    client.force_login(pipeline.owner)
    url = reverse("pipeline_inbox", args=[pipeline.public_id])
    sent = client.post(url, {"file": SimpleUploadedFile("jane-doe-complaint.csv", CSV),
                             "run_now": "on"}, follow=True)
    assert b"1 imported" in sent.content
    [stored] = list(inbox.iterdir())
    assert stored.name.startswith("upload-") and stored.suffix == ".csv"
    assert stored.read_bytes() == CSV and stored.stat().st_mode & 0o777 == 0o600
    event = AuditEvent.objects.get(action="pipeline.file_uploaded")
    assert event.payload["bytes"] == len(CSV) and "jane" not in json.dumps(event.payload)
    assert SourceBatch.objects.count() == 1
    # the same content again: refused, nothing written
    again = client.post(url, {"file": SimpleUploadedFile("x.csv", CSV)}, follow=True)
    assert b"imported by the pipeline already" in again.content
    assert len(list(inbox.iterdir())) == 1
    # over the upload limit: refused whole, no partial file left
    settings.VEIL_MAX_UPLOAD_BYTES = 10
    big = client.post(url, {"file": SimpleUploadedFile("y.csv", CSV + b"T3,new\n")}, follow=True)
    assert b"larger than the upload limit" in big.content
    assert len(list(inbox.iterdir())) == 1
    # officers see the pipeline but put nothing into it
    client.force_login(officer)
    assert client.post(url, {"file": SimpleUploadedFile("z.csv", b"a\n")}).status_code == 403
    assert b"Upload inbox" not in client.get(
        reverse("pipeline_detail", args=[pipeline.public_id])).content
