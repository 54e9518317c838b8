"""Human words for every code a page shows (anonymizer.words), the `say` filter, the help page."""

from __future__ import annotations

import ast
import inspect
from html import unescape
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from anonymizer import words
from anonymizer.engine import risk
from anonymizer.engine.labels import LABELS
from anonymizer.engine.transform import OPERATORS
from anonymizer.models import RecordStatus, RiskAssessment
from anonymizer.roles import ROLES
from review import services
from tests.review.factories import detect, make_batch


def _trigger_codes() -> set[str]:
    """Every code risk.py can emit: each Trigger(...) call's first argument, read from the
    source. A call whose code is not a literal must be the loop over CONTEXT_PATTERNS."""
    codes: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(risk))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Trigger"):
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant):
            codes.add(first.value)
        else:
            assert isinstance(first, ast.Name) and first.id == "code", ast.unparse(node)
            codes |= set(risk.CONTEXT_PATTERNS)
    return codes


def test_it_reads_every_trigger_code_from_the_risk_module() -> None:
    codes = _trigger_codes()
    assert {"data_class", "health_context", "uncovered_identifier", "validation_sample"} <= codes
    assert len(codes) == 15


@pytest.mark.parametrize("kind", ["trigger", "trigger_why"])
def test_every_trigger_code_has_words(kind: str) -> None:
    missing = _trigger_codes() - words.WORDS[kind].keys()
    assert not missing, f"Add words for these trigger codes to anonymizer/words.py: {missing}"


@pytest.mark.parametrize(
    ("kind", "codes"),
    [
        ("tier", risk.TIERS),
        ("tier_why", risk.TIERS),
        ("status", RecordStatus.values),
        ("operator", OPERATORS),
        ("operator_why", OPERATORS),
        ("label", LABELS),
        ("role", ROLES),
        ("role_why", ROLES),
    ],
)
def test_every_code_of_a_kind_has_words(kind: str, codes: Any) -> None:
    missing = set(codes) - words.WORDS[kind].keys()
    assert not missing, f"Add words for these {kind} codes to anonymizer/words.py: {missing}"


def test_an_unknown_code_reads_with_spaces() -> None:
    assert words.say("trigger", "identifier_density") == "Many identifiers"
    assert words.say("status", "brand_new_status") == "brand new status"
    with pytest.raises(KeyError):
        words.say("no_such_kind", "low")


def test_the_filter_renders_words() -> None:
    template = Template('{% load veil_words %}{{ c|say:"trigger" }} / {{ s|say:"status" }}')
    rendered = template.render(Context({"c": "identifier_density", "s": "needs_review"}))
    assert rendered == "Many identifiers / Needs review"


@pytest.mark.django_db
def test_the_record_page_names_triggers_and_labels_in_words(
    admin_user: Any, reviewer: Any
) -> None:
    batch = make_batch(admin_user, [reviewer], ["Jane Roe wrote in"])
    detect(batch, [("high", [(0, 8, "PERSON", 0.7)])])
    RiskAssessment.objects.filter(record__batch=batch).update(
        triggers=[{"code": "identifier_density", "detail": {"spans": 1}}]
    )
    item = services.queue_next(reviewer=reviewer)
    assert item is not None
    client = Client()
    client.force_login(reviewer)
    body = unescape(client.get(reverse("review_record", args=[item.public_id])).content.decode())
    assert ">Many identifiers</li>" in body and "identifier_density</" not in body
    assert '<span class="badge cat-person" title="PERSON">Person</span>' in body
    assert '<option value="EMAIL_ADDRESS">Email address</option>' in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["outsider", "reviewer", "officer", "admin_user"])
def test_the_help_page_explains_every_trigger_for_each_role(
    role: str, request: pytest.FixtureRequest
) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("help"))
    assert response.status_code == 200
    body = unescape(response.content.decode())
    for code in _trigger_codes():
        assert f'id="trigger-{code}"' in body and words.TRIGGERS_WHY[code] in body
    for code in OPERATORS:
        assert words.OPERATORS_WHY[code] in body
    assert "Four eyes" in body and "Erasure" in body and words.ROLES_WHY["reviewer"] in body
    assert f'href="{reverse("help")}"' in body  # the navigation links it


@pytest.mark.django_db
def test_the_help_page_requires_login() -> None:
    response = Client().get(reverse("help"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_batch_page_and_the_header_speak_words(admin_user: Any, reviewer: Any,
                                                   officer: Any) -> None:
    batch = make_batch(admin_user, [reviewer], ["Jane Roe wrote in"])
    detect(batch, [("high", [(0, 8, "PERSON", 0.7)])])
    RiskAssessment.objects.filter(record__batch=batch).update(
        triggers=[{"code": "identifier_density", "detail": {"spans": 1}}]
    )
    client = Client()
    client.force_login(officer)
    body = unescape(client.get(reverse("batch_detail", args=[batch.public_id])).content.decode())
    assert "Many identifiers</li>" in body and ">identifier_density<" not in body
    assert "needs_review:" not in body
    assert f'<span class="role">{words.say("role", "privacy_officer")}</span>' in body
