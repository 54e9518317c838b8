"""Checking a policy's rules when a draft is saved: text rules parse, every column rule and
the id rule take only parameters their operator reads, and a generalize rule fits the values
the column holds in the batches the policy applies to (else it would only replace them by a
type label). Messages name columns and counts, never a value."""

from __future__ import annotations

from typing import Any

from anonymizer.engine.transform import (
    OperatorSpec,
    generalize,
    policy_from_dict,
    rule_problem,
    type_tag,
)
from anonymizer.policies.selectors import column_sample

ID_LABEL = "RECORD_ID"
ID_OPERATORS = ("pseudonymize", "keep", "mask", "redact")
FIT_SHARE = 0.5  # a generalize rule must generalize at least this share of sampled values


class PolicyError(ValueError):
    """A policy change that is not allowed; the message is safe to show. `field` names the
    form field it is about."""

    def __init__(self, message: str, field: str = "rules") -> None:
        super().__init__(message)
        self.field = field


def column_label(column: str, spec: OperatorSpec) -> str:
    """The type a column's values are treated as: the rule's `entity_type`, else the name."""
    return str(spec.params.get("entity_type", column.upper()))


def validate_rules(
    rules: Any,
    column_rules: Any,
    id_rule: Any,
    *,
    data_class: str = "",
    purpose: str = "",
    check_fit: bool = True,
) -> None:
    if not isinstance(rules, dict):
        raise PolicyError("Rules must be a JSON object.")
    try:
        policy_from_dict(rules)
    except ValueError as exc:
        raise PolicyError(f"Invalid rules: {exc}") from None
    for column, spec in _parsed(column_rules, "Column rules", "column_rules").items():
        problem = rule_problem(spec, column_label(column, spec), extra=frozenset({"entity_type"}))
        if problem:
            raise PolicyError(f"Column rule {column}: {problem}.", "column_rules")
        if check_fit and spec.operator == "generalize":
            _check_fit(column, spec, data_class=data_class, purpose=purpose)
    validate_id_rule(id_rule)


def validate_id_rule(id_rule: Any) -> None:
    if id_rule in ({}, None):
        return
    spec = _parsed({"id": id_rule}, "The id rule", "id_rule")["id"]
    if spec.operator not in ID_OPERATORS:
        raise PolicyError(
            f"The id rule's operator is one of {', '.join(ID_OPERATORS)}.", "id_rule"
        )
    problem = rule_problem(spec, ID_LABEL)
    if problem:
        raise PolicyError(f"The id rule: {problem}.", "id_rule")


def _parsed(rules: Any, what: str, field: str) -> dict[str, OperatorSpec]:
    if not isinstance(rules, dict):
        raise PolicyError(f"{what} must be a JSON object of column -> operator.", field)
    try:
        return dict(policy_from_dict({"rules": rules}).rules)
    except ValueError as exc:
        raise PolicyError(f"Invalid {what.lower()}: {exc}", field) from None


def _check_fit(column: str, spec: OperatorSpec, *, data_class: str, purpose: str) -> None:
    """Refuse a generalize rule that leaves most sampled values of the column unchanged or
    only replaces them by the type label: it does not fit what the column holds."""
    label = column_label(column, spec)
    sample = column_sample(column, data_class=data_class, purpose=purpose)
    if not sample:
        return
    tag = type_tag(label)
    fitting = sum(1 for value in sample if generalize(value, label, spec.params) != tag)
    if fitting < FIT_SHARE * len(sample):
        raise PolicyError(
            f"Column rule {column}: generalize as {label} fits {fitting} of {len(sample)} "
            f"sampled values of the batches this policy applies to (the rest would become "
            f"{tag}); choose the entity_type that fits the column, e.g. NUMBER with a band "
            "for years or amounts.",
            "column_rules",
        )
