"""Policies as code: a version downloads as JSON or YAML and imports as a new draft of its
name, which still needs a second officer; broken or tampered files leave nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from anonymizer.ascode import FileError
from anonymizer.models import Policy
from anonymizer.policies import services
from anonymizer.policies.files import policy_file, policy_import
from anonymizer.policies.rules import PolicyError
from anonymizer.policies.selectors import default_policy
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_round_trip_makes_a_new_draft_needing_four_eyes(officer: Any, fmt: str) -> None:
    source = default_policy()
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("policy_download", args=[source.public_id]), {"format": fmt})
    assert page.status_code == 200 and "attachment" in page["Content-Disposition"]
    document = json.loads(page.content) if fmt == "json" else yaml.safe_load(page.content)
    assert document["kind"] == "veil.policy" and document["body"]["rules"] == source.rules
    draft = policy_import(actor=officer, data=page.content)
    assert (draft.name, draft.status) == (source.name, Policy.Status.DRAFT)
    assert draft.version > source.version and draft.rules == source.rules
    assert AuditEvent.objects.filter(action="policy.imported").exists()
    services.policy_submit(actor=officer, policy=draft)
    with pytest.raises(services.PolicyError):
        services.policy_approve(actor=officer, policy=draft)  # the importer is an editor


def test_bad_files_leave_nothing(officer: Any) -> None:
    document = json.loads(policy_file(default_policy()))
    before = Policy.objects.count()
    document["body"]["rules"]["default"] = {"operator": "keep"}
    with pytest.raises(FileError, match="sha256"):
        policy_import(actor=officer, data=json.dumps(document).encode())
    del document["sha256"]
    with pytest.raises(PolicyError):  # keep for types nobody named: refused as in the editor
        policy_import(actor=officer, data=json.dumps(document).encode())
    document["body"]["rules"]["default"] = {"operator": "redact"}
    document["linkage_domain"] = "../../etc"
    with pytest.raises(PolicyError, match="linkage domain"):
        policy_import(actor=officer, data=json.dumps(document).encode())
    assert Policy.objects.count() == before


def test_only_officers_import(admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    response = client.post(reverse("policy_import"), {})
    assert response.status_code == 403
