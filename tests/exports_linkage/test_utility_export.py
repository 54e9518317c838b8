"""The manifest's `utility` object on a real export: task accuracy raw vs transformed on the
admin's label column, characters changed, column fidelity and query error; no values."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from anonymizer.batches import services as batches
from anonymizer.engine.synth import generate_topic_tickets
from anonymizer.exports import services as export
from anonymizer.exports.selectors import ExportError
from anonymizer.models import Record
from anonymizer.policies.selectors import default_policy
from tests.review.factories import detect

pytestmark = pytest.mark.django_db


def test_the_utility_report_under_the_default_policy(
    admin_user: Any, reviewer: Any, tmp_path: Path, settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    tickets = generate_topic_tickets(120, seed=2)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "topic", "body"])
    for t in tickets:
        writer.writerow([t["id"], t["topic"], t["text"]])
    batch = batches.batch_import(actor=admin_user, data=out.getvalue().encode(), name="topics",
                                 data_class="personal", purpose="theme_analysis",
                                 source_format="csv", text_columns=["body"], id_column="id")
    batches.batch_assign_reviewers(actor=admin_user, batch=batch, reviewers=[reviewer])
    detect(batch, [("high", [(s["start"], s["end"], s["label"], 0.9) for s in t["spans"]])
                   for t in tickets])
    Record.objects.filter(batch=batch).update(status="reviewed")
    with pytest.raises(ExportError):
        export.export_start(actor=admin_user, batch=batch, policy=default_policy(),
                            utility_label="nope", enqueue=False)
    started = export.export_start(actor=admin_user, batch=batch, policy=default_policy(),
                                  utility_label="topic", enqueue=False)
    done = export.run_export(started.pk)
    utility = done.manifest["utility"]
    for key in ("task_accuracy_raw", "task_accuracy_transformed", "chars_changed_share",
                "query_relative_error"):
        assert key in utility
    assert utility["task_accuracy_raw"] > 0.8
    assert utility["task_accuracy_kept"] >= 0.95, utility  # the goal, on our tickets
    assert 0 < utility["chars_changed_share"] < 0.5
    written = json.loads((tmp_path / str(done.public_id) / "manifest.json").read_text())
    assert written["utility"] == utility
    assert "delivery" not in json.dumps(utility["queries"])  # values never named
