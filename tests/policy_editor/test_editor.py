"""The policy editor: a row per entity type and column with its operator and that operator's
parameters as fields; what it saves round-trips; bad parameters are refused beside their field
and nothing is saved; the live check re-renders one row; four eyes hold for editor saves."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from anonymizer.models import Policy
from anonymizer.policies import services as policies
from audit.models import AuditEvent
from tests.policy_editor.helpers import client_for, editor_values, form_values, row_prefix

pytestmark = pytest.mark.django_db

# Every operator, with every parameter it reads: (row key, operator, {param: value}).
TYPE_ROWS = [
    ("PERSON", "mask", {"char": "#", "keep_last": "2"}),
    ("EMAIL_ADDRESS", "replace", {"label": "[MAIL]"}),
    ("DATE_TIME", "generalize", {"level": "quarter"}),
    ("AGE", "generalize", {"band": "5"}),
    ("POSTCODE", "generalize", {"keep": "3"}),
    ("PHONE_NUMBER", "pseudonymize", {}),
    ("URL", "keep", {}),
    ("IBAN_CODE", "redact", {}),
    ("ORGANIZATION", "", {}),  # as any other type: not named
]
COLUMN_ROWS = [
    ("postcode", "generalize", {"entity_type": "POSTCODE", "keep": "2"}),
    ("plan", "keep", {}),
]
EXPECTED_TYPES = {
    "PERSON": {"operator": "mask", "params": {"char": "#", "keep_last": 2}},
    "EMAIL_ADDRESS": {"operator": "replace", "params": {"label": "[MAIL]"}},
    "DATE_TIME": {"operator": "generalize", "params": {"level": "quarter"}},
    "AGE": {"operator": "generalize", "params": {"band": 5}},
    "POSTCODE": {"operator": "generalize", "params": {"keep": 3}},
    "PHONE_NUMBER": {"operator": "pseudonymize"},
    "URL": {"operator": "keep"},
    "IBAN_CODE": {"operator": "redact"},
    "EMPLOYEE_ID": {"operator": "mask", "params": {"keep_last": 0}},
}


@pytest.fixture
def officer2(make_user: Any) -> Any:
    return make_user("olga_officer", "privacy_officer")


@pytest.fixture
def officer3(make_user: Any) -> Any:
    return make_user("otto_officer", "privacy_officer")


def set_row(values: dict[str, str], prefix: str, operator: str, params: dict[str, str]) -> None:
    values[f"{prefix}-operator"] = operator
    for name, value in params.items():
        values[f"{prefix}-{name}"] = value


def filled(values: dict[str, str]) -> dict[str, str]:
    """The editor's values with every operator and parameter of the tables above chosen."""
    values = dict(values)
    for key, operator, params in TYPE_ROWS:
        set_row(values, row_prefix(values, "type", key), operator, params)
    for key, operator, params in COLUMN_ROWS:
        set_row(values, row_prefix(values, "column", key), operator, params)
    extra_type = f"types-{int(values['types-TOTAL_FORMS']) - 1}"
    values[f"{extra_type}-type"] = "EMPLOYEE_ID"
    set_row(values, extra_type, "mask", {"keep_last": "0"})
    extra_column = f"columns-{int(values['columns-TOTAL_FORMS']) - 1}"
    values[f"{extra_column}-column"] = "birth_year"
    set_row(values, extra_column, "generalize", {"entity_type": "NUMBER", "band": "10"})
    set_row(values, "default", "replace", {"label": "[OTHER]"})
    set_row(values, "id", "mask", {"char": "X", "keep_last": "3"})
    values |= {"tabular-k": "3", "tabular-l": "2", "tabular-suppression": "0.1",
               "tabular-max_levels": "postcode=2", "tabular-dp_epsilon": "1",
               "tabular-dp_total": "3", "tabular-dp_group_by": "plan", "tabular-dp_low": "0",
               "tabular-dp_high": "120", "tabular-dp_categories": "free, pro"}
    return values


def test_a_new_policy_offers_a_row_per_type_and_per_column(batch: Any, officer: Any) -> None:
    html = client_for(officer).get(reverse("policy_new")).content.decode()
    values = form_values(html)
    types = {v for k, v in values.items() if re.fullmatch(r"types-\d+-type", k)}
    assert {"PERSON", "EMAIL_ADDRESS", "CREDIT_CARD", "DATE_TIME", ""} <= types
    columns = {v for k, v in values.items() if re.fullmatch(r"columns-\d+-column", k)}
    assert columns == {"postcode", "plan", ""}  # the sample batch's structured columns
    assert ">Replace with type</option>" in html and ">Email address <code>" in html
    # The parameters of an operator not chosen are there, hidden until it is chosen.
    person = row_prefix(values, "type", "PERSON")
    assert re.search(rf'data-ops="mask"[^>]*hidden><label for="id_{person}-keep_last"', html)


def test_every_operator_and_parameter_round_trips(batch: Any, officer: Any) -> None:
    client = client_for(officer)
    values = filled(editor_values(client)) | {"name": "every-op", "linkage_domain": "crm"}
    response = client.post(reverse("policy_new"), values)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = Policy.objects.get(name="every-op")
    named = policy.rules["rules"]
    assert {k: named[k] for k in EXPECTED_TYPES} == EXPECTED_TYPES
    assert "ORGANIZATION" not in named and policy.rules["default"] == {
        "operator": "replace", "params": {"label": "[OTHER]"}}
    assert policy.column_rules == {
        "postcode": {"operator": "generalize", "params": {"entity_type": "POSTCODE", "keep": 2}},
        "plan": {"operator": "keep"},
        "birth_year": {"operator": "generalize", "params": {"entity_type": "NUMBER", "band": 10}},
    }
    assert policy.id_rule == {"operator": "mask", "params": {"char": "X", "keep_last": 3}}
    assert policy.tabular == {
        "k": 3, "l": 2, "suppression": 0.1, "max_levels": {"postcode": 2},
        "dp": {"epsilon": 1.0, "total": 3.0, "group_by": "plan", "bounds": [0.0, 120.0],
               "categories": ["free", "pro"]},
    }
    assert policy.linkage_domain == "crm"
    # The page shows it all again: submitted unchanged, the draft stays exactly the same.
    fields = ("rules", "column_rules", "id_rule", "tabular", "linkage_domain")
    before = {f: getattr(policy, f) for f in fields}
    again = editor_values(client, policy)
    assert client.post(reverse("policy_detail", args=[policy.public_id]), again).status_code == 302
    policy.refresh_from_db()
    assert {f: getattr(policy, f) for f in fields} == before
    assert list(AuditEvent.objects.filter(target_id=str(policy.pk)).values_list(
        "action", flat=True)) == ["policy.created", "policy.updated"]


@pytest.mark.parametrize(
    ("key", "operator", "params", "field", "message"),
    [
        ("AGE", "generalize", {"band": "1"}, "band", "Band is a whole number of at least 2."),
        ("PERSON", "mask", {"keep_last": "-1"}, "keep_last",
         "Keep_last is a whole number of at least 0."),
        ("POSTCODE", "generalize", {"keep": "0"}, "keep", "Keep is a whole number of at least 1."),
        ("PERSON", "generalize", {}, "operator", "Generalize works on AGE, DATE_OF_BIRTH"),
    ],
)
def test_a_bad_parameter_is_refused_beside_its_field_and_nothing_is_saved(
    batch: Any, officer: Any, key: str, operator: str, params: dict[str, str], field: str,
    message: str,
) -> None:
    client = client_for(officer)
    draft = policies.policy_create(actor=officer, name="tickets")
    values = editor_values(client, draft)
    prefix = row_prefix(values, "type", key)
    set_row(values, prefix, operator, params)
    response = client.post(reverse("policy_detail", args=[draft.public_id]), values)
    assert response.status_code == 400
    html = response.content.decode()
    row = re.search(rf'<tr id="row-{prefix}".*?</tr>', html, re.S)
    assert row and "has-errors" in row.group() and message in row.group()
    if field != "operator":  # the message sits in the parameter's own cell
        assert re.search(rf'id="id_{prefix}-{field}"[^>]*>\s*<span class="error" role="alert">'
                         rf"{re.escape(message)}", row.group())
    draft.refresh_from_db()
    assert draft.rules == policies.default_policy_rules()
    assert not AuditEvent.objects.filter(action="policy.updated").exists()


def test_a_column_rule_that_does_not_fit_and_bad_targets_are_refused(
    batch: Any, officer: Any
) -> None:
    client = client_for(officer)
    values = editor_values(client) | {"name": "bad-columns"}
    prefix = row_prefix(values, "column", "plan")  # plan holds pro / free / basic
    set_row(values, prefix, "generalize", {"entity_type": "DATE_TIME", "level": "year"})
    values |= {"tabular-k": "0", "tabular-dp_epsilon": "1"}
    response = client.post(reverse("policy_new"), values)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Generalize as DATE_TIME fits 0 of 3 sampled values" in html
    assert "K must be a whole number of at least 1." in html
    assert not Policy.objects.filter(name="bad-columns").exists()
    assert not any(v in html for v in ("pro</td>", "basic"))  # no value in a message


def test_types_not_named_fail_closed(officer: Any) -> None:
    client = client_for(officer)
    values = editor_values(client) | {"name": "open", "default-operator": "keep"}
    response = client.post(reverse("policy_new"), values)
    assert response.status_code == 400 and not Policy.objects.filter(name="open").exists()
    assert 'value="keep"' not in re.search(
        r'<tr id="row-default".*?</tr>', response.content.decode(), re.S).group()
    with pytest.raises(policies.PolicyError, match="Any other type: types the policy does not"):
        policies.policy_create(actor=officer, name="open", rules={"rules": {}, "default": "keep"})
    with pytest.raises(policies.PolicyError, match="unknown operator"):
        policies.policy_create(actor=officer, name="open", rules={"rules": {"X": "shred"}})


def test_a_new_type_must_be_named_in_capitals_and_only_once(officer: Any) -> None:
    client = client_for(officer)
    values = editor_values(client) | {"name": "names"}
    extra = f"types-{int(values['types-TOTAL_FORMS']) - 1}"
    set_row(values, extra, "redact", {"type": "employee id"})
    html = client.post(reverse("policy_new"), values).content.decode()
    assert "Capitals, digits and _" in html
    set_row(values, extra, "redact", {"type": "PERSON"})
    html = client.post(reverse("policy_new"), values).content.decode()
    assert "PERSON has a row already." in html
    assert not Policy.objects.filter(name="names").exists()


def validate(client: Any, values: dict[str, str], row: str) -> Any:
    return client.post(reverse("policy_validate_row"), values | {"row": row})


def test_the_live_check_re_renders_one_row_with_its_errors(batch: Any, officer: Any) -> None:
    client = client_for(officer)
    values = editor_values(client)
    counts = (Policy.objects.count(), AuditEvent.objects.count())
    prefix = row_prefix(values, "type", "AGE")
    set_row(values, prefix, "generalize", {"band": "1"})
    response = validate(client, values, prefix)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="row-{prefix}"')
    assert "Band is a whole number of at least 2." in html and html.count("<tr") == 1
    band = re.search(r'<span class="param param-band"[^>]*>', html).group()
    assert "hidden" not in band  # the chosen operator's parameter shows
    set_row(values, prefix, "generalize", {"band": "5"})
    html = validate(client, values, prefix).content.decode()
    assert 'role="alert"' not in html and "has-errors" not in html
    set_row(values, prefix, "mask", {})
    html = validate(client, values, prefix).content.decode()
    assert "hidden" in re.search(r'<span class="param param-band"[^>]*>', html).group()
    assert "hidden" not in re.search(r'<span class="param param-keep_last"[^>]*>', html).group()
    column = row_prefix(values, "column", "plan")
    set_row(values, column, "generalize", {"entity_type": "DATE_TIME"})
    assert "fits 0 of 3" in validate(client, values, column).content.decode()
    values["tabular-k"] = "0"
    html = validate(client, values, "tabular").content.decode()
    assert html.lstrip().startswith('<fieldset id="row-tabular"') and "K must be" in html
    assert validate(client, values, "nonsense").status_code == 400
    assert (Policy.objects.count(), AuditEvent.objects.count()) == counts  # nothing saved


@pytest.mark.parametrize("role", ["reviewer", "admin_user"])
def test_only_those_who_edit_policies_use_the_live_check(
    role: str, request: pytest.FixtureRequest
) -> None:
    client = client_for(request.getfixturevalue(role))
    assert validate(client, {}, "default").status_code == 403


def test_four_eyes_hold_for_drafts_saved_in_the_editor(
    officer: Any, officer2: Any, officer3: Any
) -> None:
    draft = policies.policy_create(actor=officer, name="tickets")
    client = client_for(officer2)
    values = editor_values(client, draft)
    set_row(values, row_prefix(values, "type", "PERSON"), "keep", {})  # the edit that weakens
    assert client.post(reverse("policy_detail", args=[draft.public_id]), values).status_code == 302
    assert set(draft.editors.values_list("username", flat=True)) == {
        officer.username, officer2.username}
    policies.policy_submit(actor=officer, policy=draft)
    for who in (officer, officer2):
        client_for(who).post(reverse("policy_action", args=[draft.public_id, "approve"]))
        assert Policy.objects.get(pk=draft.pk).status == "pending"
    client_for(officer3).post(reverse("policy_action", args=[draft.public_id, "approve"]))
    approved = Policy.objects.get(pk=draft.pk)
    assert approved.status == "approved" and approved.approved_by == officer3
    assert approved.rules["rules"]["PERSON"] == {"operator": "keep"}
    # An approved version is read only: no editor, its rules in words, its JSON on request.
    html = client_for(officer3).get(reverse("policy_detail", args=[draft.public_id])).content
    assert b'id="policy-form"' not in html and b"Advanced: this version as JSON" in html
    assert b"<td>Person <code>PERSON</code></td><td>Keep</td>" in html
