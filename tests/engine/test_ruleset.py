from __future__ import annotations

import json
from typing import Any

import pytest

from anonymizer.engine.analyzer import build_analyzer, detect
from anonymizer.engine.ruleset import RuleSetConfig, default_ruleset_config


def with_changes(**changes: Any) -> dict[str, Any]:
    data = default_ruleset_config().to_dict()
    data.update(changes)
    return data


def test_default_round_trips_through_json() -> None:
    config = default_ruleset_config()
    data = json.loads(json.dumps(config.to_dict()))
    assert RuleSetConfig.from_dict(data) == config
    assert RuleSetConfig.from_dict(data).to_dict() == config.to_dict()


def test_custom_parts_round_trip() -> None:
    data = with_changes(
        version=3,
        patterns=[{"name": "employee", "label": "EMPLOYEE_ID", "regex": r"\bEMP\d{5}\b",
                   "score": 0.7, "context": ["employee"], "context_required": False,
                   "ignore_case": False}],
        deny_list={"PRODUCT_CODENAME": ["project nightjar"]},
        allow_list=["Acme Support"],
    )
    config = RuleSetConfig.from_dict(data)
    assert config.version == 3
    assert RuleSetConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(("changes", "message"), [
    ({"patterns": [{"name": "bad", "label": "X_ID", "regex": "([a-z"}]}, "does not compile"),
    ({"patterns": [{"name": "empty", "label": "X_ID", "regex": "a*"}]}, "empty string"),
    ({"patterns": [{"name": "x", "label": "lower", "regex": "x"}]}, "UPPER_CASE"),
    ({"patterns": [{"name": "x", "label": "X_ID"}]}, "needs regex"),
    ({"patterns": [{"name": "x", "label": "X_ID", "regex": "x", "score": 2}]}, "between 0 and 1"),
    ({"patterns": [{"name": "x", "label": "X_ID", "regex": "x", "context_required": True}]},
     "needs context"),
    ({"version": 0}, "version"),
    ({"version": "2"}, "version"),
    ({"surprise": 1}, "unknown keys"),
    ({"deny_list": ["x"]}, "deny_list"),
    ({"allow_list": [""]}, "allow_list"),
    ({"id_types": [{"label": "ORDER_ID"}]}, "prefixes or context"),
    ({"id_types": [{"label": "ORDER_ID", "prefixes": ["OR-D"]}]}, "letters"),
])
def test_bad_config_is_a_clear_value_error(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RuleSetConfig.from_dict(with_changes(**changes))


def test_not_an_object() -> None:
    with pytest.raises(ValueError, match="object"):
        RuleSetConfig.from_dict([])  # type: ignore[arg-type]


def test_organisation_id_prefixes_and_custom_patterns_are_used() -> None:
    data = with_changes(
        id_types=[{"label": "ORDER_ID", "prefixes": ["ZQ"], "context": ["parcel"]}],
        patterns=[{"name": "employee", "label": "EMPLOYEE_ID", "regex": r"\bEMP\d{5}\b"}],
    )
    analyzer = build_analyzer(RuleSetConfig.from_dict(data))
    text = "Parcel 7712345 and ZQ-99881 for EMP12345"
    got = {(text[s.start:s.end], s.label) for s in detect(text, analyzer=analyzer)}
    assert {("7712345", "ORDER_ID"), ("ZQ-99881", "ORDER_ID"),
            ("EMP12345", "EMPLOYEE_ID")} <= got


def test_deny_list_and_allow_list() -> None:
    data = with_changes(
        deny_list={"PROJECT": ["blue falcon"]},
        allow_list=["support@acme.example"],
    )
    analyzer = build_analyzer(RuleSetConfig.from_dict(data))
    text = "The Blue Falcon rollout: write to support@acme.example or to ann@home.example"
    got = {(text[s.start:s.end], s.label, s.recognizer) for s in detect(text, analyzer=analyzer)}
    assert ("Blue Falcon", "PROJECT", "veil_deny_list") in got
    assert not any(t == "support@acme.example" for t, _, _ in got)
    assert ("ann@home.example", "EMAIL_ADDRESS", "veil_rules") in got


def test_deny_list_needs_word_boundaries() -> None:
    analyzer = build_analyzer(RuleSetConfig.from_dict(with_changes(deny_list={"CODE": ["kiwi"]})))
    assert [s.label for s in detect("kiwis and kiwi", analyzer=analyzer)].count("CODE") == 1
