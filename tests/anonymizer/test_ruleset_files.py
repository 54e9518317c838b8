"""Rule sets as code: download a version as JSON or YAML, import a file as a new draft that
another officer must activate; broken, tampered or hostile files are refused whole."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from anonymizer.ascode import FileError
from anonymizer.models import RuleSet
from anonymizer.rulesets import services
from anonymizer.rulesets.selectors import RuleSetError, ruleset_active
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_a_downloaded_version_imports_as_a_new_draft(officer: Any, fmt: str) -> None:
    active = ruleset_active()
    page = _client(officer).get(reverse("ruleset_download", args=[active.version]),
                                {"format": fmt})
    assert page.status_code == 200 and "attachment" in page["Content-Disposition"]
    document = json.loads(page.content) if fmt == "json" else yaml.safe_load(page.content)
    assert document["kind"] == "veil.ruleset" and document["version"] == active.version
    draft = services.ruleset_import(actor=officer, data=page.content)
    assert draft.status == RuleSet.Status.DRAFT and draft.version > active.version
    assert {k: v for k, v in draft.config.items() if k != "version"} == {
        k: v for k, v in active.config.items() if k != "version"}
    assert draft.based_on == active and draft.edited_by(officer)
    event = AuditEvent.objects.get(action="ruleset.imported")
    assert event.payload["file_version"] == active.version


def test_the_importer_cannot_activate_it(officer: Any) -> None:
    draft = services.ruleset_import(actor=officer, data=services.ruleset_file(ruleset_active())
                                    .encode())
    with pytest.raises(RuleSetError, match="another privacy officer"):
        services.ruleset_activate(actor=officer, ruleset=draft, override_reason="x" * 20)


def test_an_edited_file_keeps_working_when_its_digest_is_updated(officer: Any) -> None:
    document = json.loads(services.ruleset_file(ruleset_active()))
    document["body"]["allow_list"] = ["Acme Helpdesk"]
    tampered = json.dumps(document).encode()
    with pytest.raises(FileError, match="sha256"):
        services.ruleset_import(actor=officer, data=tampered)
    del document["sha256"]
    draft = services.ruleset_import(actor=officer, data=json.dumps(document).encode())
    assert draft.config["allow_list"] == ["Acme Helpdesk"]


@pytest.mark.parametrize(("data", "message"), [
    (b"\xff\xfe", "UTF-8"),
    (b"{not json", "neither valid JSON nor valid YAML"),
    (b"kind: veil.policy\nformat: 1\nbody: {}\n", "not a veil.ruleset"),
    (b"!!python/object/apply:os.system ['true']\n", "neither valid JSON nor valid YAML"),
    (b"kind: veil.ruleset\nformat: 1\nbody: {ner_score: 7}\n", "invalid"),
])
def test_bad_files_are_refused_with_nothing_stored(officer: Any, data: bytes,
                                                   message: str) -> None:
    before = RuleSet.objects.count()
    with pytest.raises((FileError, RuleSetError), match=message):
        services.ruleset_import(actor=officer, data=data)
    assert RuleSet.objects.count() == before


def test_the_page_and_the_command(officer: Any, admin_user: Any, tmp_path: Any) -> None:
    out = io.StringIO()
    call_command("ruleset_file", "export", str(ruleset_active().version), "--format", "yaml",
                 stdout=out)
    path = tmp_path / "rules.yaml"
    path.write_text(out.getvalue(), encoding="utf-8")
    with pytest.raises(CommandError, match="Only privacy officers"):
        call_command("ruleset_file", "import", str(path), "--user", admin_user.username)
    call_command("ruleset_file", "import", str(path), "--user", officer.username, stdout=out)
    with path.open("rb") as handle:
        response = _client(officer).post(reverse("ruleset_import"), {"file": handle})
    draft = RuleSet.objects.order_by("-version").first()
    assert draft is not None and response["Location"] == reverse("ruleset_detail",
                                                                  args=[draft.version])
    assert RuleSet.objects.filter(status=RuleSet.Status.DRAFT).count() == 2


def test_alias_bombs_and_deep_nesting_are_refused(officer: Any) -> None:
    bomb = "kind: veil.ruleset\nformat: 1\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + "body: *i\n"
    with pytest.raises(FileError, match="aliases"):
        services.ruleset_import(actor=officer, data=bomb.encode())
    deep = ("{" + '"a":[' * 100000 + "]" * 100000 + "}").encode()
    with pytest.raises(FileError):
        services.ruleset_import(actor=officer, data=deep)
