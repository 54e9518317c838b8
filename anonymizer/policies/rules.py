"""Checking a policy's rules when a draft is saved: text rules parse and take only the
parameters their operator reads, every column rule and the id rule likewise, a generalize rule
fits the values the column holds in the batches the policy applies to (else it would only
replace them by a type label), and the tabular targets are numbers in range. Messages name
types, columns and counts, never a value.

One check per rule (`text_rule_problem`, `column_rule_problem`, `id_rule_problem`,
`tabular_problem`): the editor's rows ask them for live errors, `validate_rules` and
`validate_tabular` ask the same ones when a draft is saved or submitted."""

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
# What a type the policy does not name may become: never its own value (fail closed).
DEFAULT_OPERATORS = ("redact", "replace", "mask", "pseudonymize")
FIT_SHARE = 0.5  # a generalize rule must generalize at least this share of sampled values


class PolicyError(ValueError):
    """A policy change that is not allowed; the message is safe to show. `field` names the
    form field it is about, `key` the entity type or column of that field it is about."""

    def __init__(self, message: str, field: str = "rules", key: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.key = key


def column_label(column: str, spec: OperatorSpec) -> str:
    """The type a column's values are treated as: the rule's `entity_type`, else the name."""
    return str(spec.params.get("entity_type", column.upper()))


def parse_rule(raw: Any, where: str) -> OperatorSpec:
    """One rule, "keep" or {"operator", "params"}, as the engine reads it (ValueError if not)."""
    return policy_from_dict({"rules": {where: raw}}).rules[where]


def text_rule_problem(label: str, raw: Any) -> str:
    """Why the rule for entity type `label` (or "default", types not named) cannot apply."""
    try:
        spec = parse_rule(raw, label)
    except ValueError as exc:
        return str(exc)
    if label == "default":
        if spec.operator not in DEFAULT_OPERATORS:
            return (f"types the policy does not name must not leave as they are: use one of "
                    f"{', '.join(DEFAULT_OPERATORS)}")
        return rule_problem(spec, label)
    return rule_problem(spec, label)


def column_rule_problem(
    column: str, raw: Any, *, data_class: str = "", purpose: str = "", check_fit: bool = True
) -> str:
    """Why the rule for structured column `column` cannot apply: parameters, then (when
    `check_fit`) whether a generalize rule fits the column's sampled values."""
    try:
        spec = parse_rule(raw, column)
    except ValueError as exc:
        return str(exc)
    problem = rule_problem(spec, column_label(column, spec), extra=frozenset({"entity_type"}))
    if problem or not check_fit or spec.operator != "generalize":
        return problem
    return _fit_problem(column, spec, data_class=data_class, purpose=purpose)


def id_rule_problem(raw: Any) -> str:
    """Why the id column's rule cannot apply ("" for none named: the keyed pseudonym)."""
    if raw in ({}, None):
        return ""
    try:
        spec = parse_rule(raw, "id")
    except ValueError as exc:
        return str(exc)
    if spec.operator not in ID_OPERATORS:
        return f"its operator is one of {', '.join(ID_OPERATORS)}"
    return rule_problem(spec, ID_LABEL)


def validate_rules(
    rules: Any,
    column_rules: Any,
    id_rule: Any,
    *,
    data_class: str = "",
    purpose: str = "",
    check_fit: bool = True,
) -> None:
    """Raise PolicyError for the first rule that cannot apply. `check_fit=False` (copying a
    version to fix it) checks only that the rules parse: the parameter and fit checks of
    text and column rules wait for the save or submit of the copy."""
    if not isinstance(rules, dict):
        raise PolicyError("Rules must be a JSON object.")
    try:
        spec = policy_from_dict(rules)
    except ValueError as exc:
        raise PolicyError(f"Invalid rules: {exc}") from None
    if check_fit:
        named = {label: rules.get("rules", {})[label] for label in spec.rules}
        for label, raw in [*named.items(), ("default", rules.get("default", "redact"))]:
            problem = text_rule_problem(label, raw)
            if problem:
                what = "Any other type" if label == "default" else f"Entity type {label}"
                raise PolicyError(f"{what}: {problem}.", "rules", label)
    for column, raw in _column_rules(column_rules).items():
        problem = column_rule_problem(
            column, raw, data_class=data_class, purpose=purpose, check_fit=check_fit
        )
        if problem:
            raise PolicyError(f"Column rule {column}: {problem}.", "column_rules", column)
    validate_id_rule(id_rule)


def validate_id_rule(id_rule: Any) -> None:
    problem = id_rule_problem(id_rule)
    if problem:
        raise PolicyError(f"The id rule: {problem}.", "id_rule")


def _column_rules(rules: Any) -> dict[str, Any]:
    if not isinstance(rules, dict):
        raise PolicyError("Column rules must be a JSON object of column -> operator.",
                          "column_rules")
    try:
        policy_from_dict({"rules": rules})
    except ValueError as exc:
        raise PolicyError(f"Invalid column rules: {exc}", "column_rules") from None
    return {str(k): v for k, v in rules.items()}


def _fit_problem(column: str, spec: OperatorSpec, *, data_class: str, purpose: str) -> str:
    """A generalize rule that leaves most sampled values of the column unchanged or only
    replaces them by the type label does not fit what the column holds."""
    label = column_label(column, spec)
    sample = column_sample(column, data_class=data_class, purpose=purpose)
    if not sample:
        return ""
    tag = type_tag(label)
    fitting = sum(1 for value in sample if generalize(value, label, spec.params) != tag)
    if fitting >= FIT_SHARE * len(sample):
        return ""
    return (
        f"generalize as {label} fits {fitting} of {len(sample)} sampled values of the batches "
        f"this policy applies to (the rest would become {tag}); choose the entity_type that "
        "fits the column, e.g. NUMBER with a band for years or amounts"
    )


# --- Tabular targets ----------------------------------------------------------------------


def _whole(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def tabular_problem(tabular: Any) -> tuple[str, str] | None:
    """(setting, why) for the first tabular target out of range, or None."""
    if not isinstance(tabular, dict):
        return "tabular", "the structured-column targets must be a JSON object"
    for name in ("k", "l"):
        if tabular.get(name) is not None and not _whole(tabular[name], 1):
            return name, f"{name} must be a whole number of at least 1"
    budget = tabular.get("suppression", 0.05)
    if not _number(budget) or not 0 <= budget <= 1:
        return "suppression", "suppression is a share between 0 and 1"
    if not isinstance(tabular.get("require_linkage_test", False), bool):
        return "require_linkage_test", "require_linkage_test is true or false"
    levels = tabular.get("max_levels", {})
    if not isinstance(levels, dict) or not all(_whole(v, 0) for v in levels.values()):
        return "max_levels", "max_levels maps a column to a whole number of levels (0 or more)"
    return _dp_problem(tabular.get("dp"))


def _dp_problem(dp: Any) -> tuple[str, str] | None:
    if dp is None:
        return None
    if not isinstance(dp, dict) or not {"epsilon", "total", "group_by"} <= set(dp):
        return "dp", "dp needs epsilon, total and group_by"
    for name in ("epsilon", "total"):
        if not _number(dp[name]) or dp[name] <= 0:
            return f"dp.{name}", f"dp {name} must be a number above 0"
    if dp["epsilon"] > dp["total"]:
        return "dp.epsilon", "dp epsilon cannot be more than the total budget"
    bounds = dp.get("bounds", [0, 100])
    if not (isinstance(bounds, list | tuple) and len(bounds) == 2
            and all(_number(b) for b in bounds) and bounds[0] < bounds[1]):
        return "dp.bounds", "dp bounds are two numbers, the lower first"
    return None


def validate_tabular(tabular: Any) -> None:
    found = tabular_problem(tabular or {})
    if found:
        raise PolicyError(f"Structured-column targets: {found[1]}.", "tabular", found[0])
