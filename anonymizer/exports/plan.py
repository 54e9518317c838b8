"""How one export transforms records (Plan) and what it did (Tally): the plan is made once per
export from its policy; the tally gathers counts, vault entries and utility inputs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from anonymizer.engine.transform import Memo, OperatorSpec, PolicySpec, policy_from_dict
from anonymizer.exports.keys import linkage_key
from anonymizer.exports.residual import ResidualScan
from anonymizer.models import ExportedDataset, SourceBatch


@dataclass
class Tally:
    """What the export did, in counts only (the manifest's figures), plus the pseudonyms
    made, for the vault."""

    exported: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    changes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (type, operator)
    by_status: Counter[str] = field(default_factory=Counter)
    vault: dict[str, tuple[str, str]] = field(default_factory=dict)
    ciphers: dict[str, bytes] = field(default_factory=dict)  # token -> vault ciphertext, made ahead
    residual: ResidualScan = field(default_factory=ResidualScan)
    column_counts: dict[str, Counter[str]] = field(default_factory=dict)
    # For the utility report (exports.utility): characters in and changed, and per exported
    # record its raw and transformed text with the label's value (when the export names a
    # label column), and its raw and released kept columns. Counts and figures leave; these
    # never leave the process.
    chars_total: int = 0
    chars_changed: int = 0
    samples: list[tuple[str, str, str]] = field(default_factory=list)
    raw_rows: list[dict[str, Any]] = field(default_factory=list)
    released_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def per_type(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for (label, _), n in self.changes.items():
            counts[label] += n
        return counts

    @property
    def per_operator(self) -> Counter[str]:
        return Counter({f"{label}:{op}": n for (label, op), n in self.changes.items()})

    @property
    def surrogated_types(self) -> list[str]:
        """The types that left as realistic surrogates (the manifest says so)."""
        return sorted({label for label, op in self.changes if op == "surrogate"})


@dataclass(frozen=True)
class Plan:
    """How one export transforms records: text rules, column rules, key, columns kept, and
    the k-anonymity step's suppressed records and generalized values. `memo` holds the
    pseudonyms made under `key` during this export (engine.transform.apply_operator)."""

    spec: PolicySpec
    columns: PolicySpec
    key: bytes
    kept_columns: list[str]
    suppressed: set[int]
    generalized: dict[int, dict[str, str]]
    id_spec: OperatorSpec = OperatorSpec("pseudonymize")
    id_source: str = "default"
    utility_label: str = ""  # a structured column the utility report's classifier predicts
    memo: Memo = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def column_specs(self) -> list[tuple[str, OperatorSpec, str]]:
        """Per kept column: its rule and the type its values are treated as."""
        return [
            (c, spec, str(spec.params.get("entity_type", c.upper())))
            for c in self.kept_columns
            for spec in (self.columns.operator_for(c),)
        ]

    @cached_property
    def keep_columns(self) -> list[str]:
        """Kept columns whose rule is keep: verbatim unless the k-anonymity step changed them."""
        return [c for c, spec, _ in self.column_specs if spec.operator == "keep"]


def kept_columns(batch: SourceBatch, column_rules: dict[str, Any]) -> list[str]:
    """The structured columns the policy keeps in some form (unnamed ones are dropped)."""
    columns = policy_from_dict({"rules": column_rules})
    return [
        c
        for c in batch.structured_columns
        if c in columns.rules and columns.rules[c].operator != "redact"
    ]


def id_rule_of(id_rule: dict[str, Any] | None) -> tuple[OperatorSpec, str]:
    """The policy's rule for the id column, or the fail-closed default when it names none:
    a keyed pseudonym of the linkage domain (the same id links only within one domain)."""
    if not id_rule:
        return OperatorSpec("pseudonymize"), "default"
    return policy_from_dict({"rules": {"id": id_rule}}).rules["id"], "policy"


def make_plan(
    export: ExportedDataset, kept: list[str], suppressed: set[int], generalized: dict[int, Any]
) -> Plan:
    policy = export.policy
    id_spec, id_source = id_rule_of(policy.id_rule)
    return Plan(
        spec=policy_from_dict(policy.rules),
        columns=policy_from_dict({"rules": policy.column_rules}),
        key=linkage_key(policy.linkage_domain),
        kept_columns=kept,
        suppressed=suppressed,
        generalized=generalized,
        id_spec=id_spec,
        id_source=id_source,
        utility_label=export.utility_label,
    )


