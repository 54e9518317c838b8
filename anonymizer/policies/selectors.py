"""Reads for policies: which approved policies fit a batch (Policy.fits is the rule)."""

from __future__ import annotations

import json
from typing import Any

from anonymizer.defaults import DEFAULT_POLICY, default_id_rule
from anonymizer.models import Policy, Record, SourceBatch
from audit.models import AuditEvent

SAMPLE_RECORDS = 200


def policies_for_batch(batch: SourceBatch) -> list[Policy]:
    """Approved policies that fit the batch's data class and purpose (blank fits any)."""
    return [p for p in Policy.objects.filter(status=Policy.Status.APPROVED) if p.fits(batch)]


def policy_for_batch(batch: SourceBatch) -> Policy | None:
    """The approved policy that fits the batch best: exact data class and purpose first."""
    candidates = Policy.objects.filter(
        status=Policy.Status.APPROVED,
        data_class__in=["", batch.data_class],
        purpose__in=["", batch.purpose],
    ).only("id", "name", "version", "rules", "data_class", "purpose", "approved_at")
    return max(candidates, key=lambda p: p.fit_rank(batch), default=None)


def default_policy() -> Policy:
    """The newest approved version of the built-in `default` policy (installed by a
    migration; a newer draft, such as the one migration 0012 proposes, waits for approval)."""
    policy = (
        Policy.objects.filter(name=DEFAULT_POLICY, status=Policy.Status.APPROVED)
        .order_by("-version")
        .first()
    )
    if policy is None:
        raise Policy.DoesNotExist("The default policy is missing: run migrate.")
    return policy


def column_sample(
    column: str, *, data_class: str = "", purpose: str = "", limit: int = SAMPLE_RECORDS
) -> list[str]:
    """Non-empty values of `column` in the newest records of batches a policy with this data
    class and purpose (blank: any) applies to; for checking a column rule, never shown."""
    batches = SourceBatch.objects.filter(structured_columns__contains=[column])
    if data_class:
        batches = batches.filter(data_class=data_class)
    if purpose:
        batches = batches.filter(purpose=purpose)
    rows = (
        Record.objects.filter(batch__in=batches)
        .order_by("-batch_id", "position")
        .values_list("fields", flat=True)[:limit]
    )
    values = ((row or {}).get(column) for row in rows)
    return [str(v) for v in values if v not in (None, "")]


def structured_columns_for(
    *, data_class: str = "", purpose: str = "", limit: int = 50
) -> list[str]:
    """The structured column names of the newest batches a policy with this data class and
    purpose (blank: any) applies to, in their order: the editor offers a row for each."""
    batches = SourceBatch.objects.exclude(structured_columns=[])
    if data_class:
        batches = batches.filter(data_class=data_class)
    if purpose:
        batches = batches.filter(purpose=purpose)
    names: dict[str, None] = {}
    for columns in batches.order_by("-created_at").values_list("structured_columns", flat=True)[
        :limit
    ]:
        names |= dict.fromkeys(str(c) for c in columns or [])
    return list(names)


def policy_editor_names(policy: Policy) -> list[str]:
    """Who wrote or changed the version, for its page (four eyes: none of them approves it)."""
    return sorted(policy.editors.values_list("username", flat=True))


def policy_previous_approved(policy: Policy) -> Policy | None:
    """The newest earlier version of the same name that was ever approved (retired or not)."""
    return (
        Policy.objects.filter(
            name=policy.name, version__lt=policy.version, approved_at__isnull=False
        )
        .order_by("-version")
        .first()
    )


def policy_changes(policy: Policy) -> list[dict[str, str]]:
    """What `policy` changes against the previous approved version, one row per entity type,
    column, id rule, linkage domain and tabular setting: {area, key, change, old, new}.
    Empty when nothing changed or there is no previous approved version."""
    old = policy_previous_approved(policy)
    if old is None:
        return []
    old_types, new_types = _type_rules(old.rules), _type_rules(policy.rules)
    rows = _diff("entity type", old_types, new_types)
    rows += _diff("column", _normalized(old.column_rules), _normalized(policy.column_rules))
    rows += _diff("id rule", _id_rule(old), _id_rule(policy))
    domains = ({"linkage_domain": old.linkage_domain}, {"linkage_domain": policy.linkage_domain})
    rows += _diff("linkage domain", *domains)
    rows += _diff("tabular", _flat(old.tabular), _flat(policy.tabular))
    return rows


def policy_rule_rows(policy: Policy) -> list[dict[str, Any]]:
    """The policy's rules for reading: {area, key, operator, params} per entity type (the
    default as "(any other type)"), column and the id column."""
    rows = []
    areas = (
        ("entity type", _type_rules(policy.rules)),
        ("column", _normalized(policy.column_rules)),
        ("id rule", _id_rule(policy)),
    )
    for area, rules in areas:
        for key, spec in rules.items():
            if isinstance(spec, dict) and "operator" in spec:
                params = json.dumps(spec["params"], sort_keys=True) if spec["params"] else ""
                rows.append({"area": area, "key": key, "operator": spec["operator"],
                             "params": params})
    return rows


def _diff(area: str, old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        change = "added" if key not in old else "removed" if key not in new else "changed"
        rows.append(
            {"area": area, "key": key, "change": change,
             "old": _describe(before), "new": _describe(after)}
        )
    return rows


def _spec(value: Any) -> Any:
    """A rule as {operator, params}: the short form "keep" and a missing params compare equal."""
    if isinstance(value, str):
        return {"operator": value, "params": {}}
    if isinstance(value, dict) and "operator" in value:
        return {"operator": value["operator"], "params": value.get("params") or {}}
    return value


def _normalized(rules: Any) -> dict[str, Any]:
    return {str(k): _spec(v) for k, v in (rules or {}).items()}


def _type_rules(rules: Any) -> dict[str, Any]:
    """Entity-type rules, with the default for types not named as "(any other type)"."""
    rules = rules or {}
    return _normalized(rules.get("rules")) | {
        "(any other type)": _spec(rules.get("default") or {"operator": "redact"})
    }


def _id_rule(policy: Policy) -> dict[str, Any]:
    """An empty id rule is the default keyed pseudonym, so it compares equal to that."""
    return {"id column": _spec(policy.id_rule or default_id_rule())}


def _flat(tabular: Any) -> dict[str, Any]:
    """Tabular targets one level flat: k, l, suppression, dp.epsilon, dp.bounds, ..."""
    flat: dict[str, Any] = {}
    for key, value in (tabular or {}).items():
        if isinstance(value, dict):
            flat |= {f"{key}.{sub}": v for sub, v in value.items()}
        else:
            flat[key] = value
    return flat


def _describe(value: Any) -> str:
    """A value as the diff table shows it: `mask {"keep_last": 4}`, `5`, `—` for none."""
    if value is None:
        return "—"
    if isinstance(value, dict) and "operator" in value:
        params = value.get("params") or {}
        suffix = f" {json.dumps(params, sort_keys=True)}" if params else ""
        return f"{value['operator']}{suffix}"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def policy_last_send_back(policy: Policy) -> dict[str, Any] | None:
    """The newest `policy.sent_back` event of this version: who, when and the reason."""
    event = (
        AuditEvent.objects.filter(
            action="policy.sent_back", target_type="Policy", target_id=str(policy.pk)
        )
        .order_by("-seq")
        .first()
    )
    if event is None:
        return None
    reason = event.payload.get("reason", "")
    return {"actor": event.actor_name, "at": event.at, "reason": reason}
