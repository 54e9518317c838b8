"""Export files on disk: owner-only folders (0700) and files (0600), no partial folder left by
a crashed export, and the differentially private aggregates among the downloadable files."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from anonymizer.batches import services
from anonymizer.exports import services as export
from anonymizer.exports.selectors import ExportError, export_dir
from anonymizer.models import ExportedDataset, Record
from anonymizer.policies import services as policies
from anonymizer.policies.selectors import default_policy

pytestmark = pytest.mark.django_db

DP = {"epsilon": 1.0, "total": 1.5, "group_by": "plan", "categories": ["free", "pro"]}


@pytest.fixture
def plans(admin_user: Any) -> Any:
    rows = "\n".join(
        json.dumps({"id": f"r{i}", "text": "The app is slow.", "plan": ("free", "pro")[i % 2]})
        for i in range(40)
    )
    batch = services.batch_import(
        actor=admin_user, data=rows.encode(), name="plans", data_class="internal",
        purpose="internal_reporting", source_format="jsonl",
    )
    Record.objects.filter(batch=batch).update(status="reviewed")
    return batch


def dp_policy(officer: Any, make_user: Any) -> Any:
    p = policies.policy_create(actor=officer, name="dp", column_rules={"plan": "keep"},
                               tabular={"dp": DP})
    policies.policy_submit(actor=officer, policy=p)
    return policies.policy_approve(actor=make_user("olga_officer", "privacy_officer"), policy=p)


def run(admin_user: Any, batch: Any, policy: Any) -> ExportedDataset:
    started = export.export_start(actor=admin_user, batch=batch, policy=policy, enqueue=False)
    return export.run_export(started.pk)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_export_folders_are_0700_and_files_0600(
    plans: Any, admin_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    ex = run(admin_user, plans, default_policy())
    directory = export_dir(ex)
    assert mode(directory.parent) == 0o700 and mode(directory) == 0o700
    names = sorted(p.name for p in directory.iterdir())
    assert names == sorted(ex.file_names())
    assert {name: mode(directory / name) for name in names} == {name: 0o600 for name in names}


def test_a_crashed_export_leaves_no_partial_folder(
    plans: Any, admin_user: Any, officer: Any, make_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    # A worker killed mid-export leaves its partial folder; the export is since marked failed.
    crashed = export.export_start(
        actor=admin_user, batch=plans, policy=default_policy(), enqueue=False
    )
    ExportedDataset.objects.filter(pk=crashed.pk).update(status="failed", error="WorkerLost")
    left = export_dir(crashed).with_name(f"{crashed.public_id}.partial")
    left.mkdir(parents=True)
    (left / "records.jsonl").write_text('{"id": "r1", "text": "half')
    policy = dp_policy(officer, make_user)
    done = run(admin_user, plans, policy)
    assert not left.exists() and done.status == "done"
    # An export that fails while writing (the budget is spent) leaves nothing behind either.
    with pytest.raises(ExportError, match="privacy budget"):
        run(admin_user, plans, policy)
    names = sorted(p.name for p in Path(settings.VEIL_EXPORT_DIR).iterdir())
    assert names == [str(done.public_id)]


def test_the_dp_aggregates_file_is_listed_and_downloadable(
    plans: Any, admin_user: Any, officer: Any, make_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    ex = run(admin_user, plans, dp_policy(officer, make_user))
    assert "aggregates.json" in ex.file_names()
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/exports/{ex.public_id}/").content.decode()
    assert f"/exports/{ex.public_id}/download/aggregates.json" in page
    response = client.post(f"/exports/{ex.public_id}/download/aggregates.json")
    assert response.status_code == 200
    body = json.loads(b"".join(response.streaming_content))
    assert [g["category"] for g in body["groups"]] == ["free", "pro"]
    assert mode(export_dir(ex) / "aggregates.json") == 0o600
