"""The policy editor: a policy's fields as the forms and row formsets of forms.py, and the
submitted forms back as the fields services.policy_create / policy_update_draft take.

Rows: every entity type Veil knows (strongest first) and any other type the policy names,
plus one blank row to name a new type; every structured column of the batches the policy
applies to and any other column it names, plus one blank row; the id column; types not named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms

from anonymizer.engine.labels import by_strength
from anonymizer.models import Policy
from anonymizer.policies.forms import (
    ColumnsFormSet,
    DefaultRuleForm,
    IdRuleForm,
    PolicyMetaForm,
    RuleForm,
    TabularForm,
    TypeFormSet,
    tabular_initial,
)
from anonymizer.policies.rules import PolicyError
from anonymizer.policies.selectors import structured_columns_for

META_FIELDS = ("name", "data_class", "purpose", "linkage_domain", "notes")


def rule_initial(raw: Any) -> dict[str, Any]:
    """A stored rule ("keep" or {"operator", "params"}) as a row's operator and parameters."""
    if isinstance(raw, str):
        return {"operator": raw}
    if not isinstance(raw, dict):
        return {}
    params = raw.get("params") if isinstance(raw.get("params"), dict) else {}
    return {"operator": raw.get("operator", ""), **params}


@dataclass
class Editor:
    meta: PolicyMetaForm
    default: DefaultRuleForm
    types: forms.BaseFormSet  # type: ignore[type-arg]
    columns: forms.BaseFormSet  # type: ignore[type-arg]
    id_rule: IdRuleForm
    tabular: TabularForm
    errors: list[str] = field(default_factory=list)  # what belongs to no row

    def parts(self) -> list[Any]:
        return [self.meta, self.default, self.types, self.columns, self.id_rule, self.tabular]

    def is_valid(self) -> bool:
        return all([part.is_valid() for part in self.parts()])  # every part, every error

    def fields(self) -> dict[str, Any]:
        """The policy's fields from the valid forms, as the services take them."""
        named = {f.cleaned_data["type"]: f.rule() for f in self.types if f.cleaned_data}
        columns = {f.cleaned_data["column"]: f.rule() for f in self.columns if f.cleaned_data}
        meta = {n: self.meta.cleaned_data[n] for n in META_FIELDS if n in self.meta.cleaned_data}
        return meta | {
            "rules": {"rules": {k: v for k, v in named.items() if v},
                      "default": self.default.rule()},
            "column_rules": {k: v for k, v in columns.items() if v},
            "id_rule": self.id_rule.rule() or {},
            "tabular": self.tabular.value(),
        }

    def row(self, prefix: str) -> RuleForm | TabularForm | None:
        """The row form of `prefix` ("types-3", "columns-0", "default", "id", "tabular")."""
        for part in (self.default, self.id_rule, self.tabular):
            if part.prefix == prefix:
                return part
        for formset in (self.types, self.columns):
            for form in formset:
                if form.prefix == prefix:
                    return form  # type: ignore[no-any-return]
        return None

    def add_policy_error(self, exc: PolicyError) -> None:
        """Show a save's refusal beside the row (and field) it is about."""
        message = str(exc)
        target = self._target(exc)
        if target is None:
            self.errors.append(message)
        elif isinstance(target, TabularForm):
            target.add_error(TabularForm.FIELD_OF.get(exc.key or "tabular"), message)
        else:
            target.add_error("operator", message)

    def _target(self, exc: PolicyError) -> RuleForm | TabularForm | None:
        if exc.field == "tabular":
            return self.tabular
        if exc.field == "id_rule":
            return self.id_rule
        if exc.field == "rules" and exc.key == "default":
            return self.default
        formset, key = {"rules": (self.types, "type"),
                        "column_rules": (self.columns, "column")}.get(exc.field, (None, ""))
        for form in formset or []:
            if exc.key is not None and getattr(form, "cleaned_data", {}).get(key) == exc.key:
                return form  # type: ignore[no-any-return]
        return None


def build_editor(
    policy: Policy, data: Any = None, *, new: bool = False
) -> Editor:
    """The editor for `policy` (a blank one for a new policy), bound to `data` if given."""
    meta_initial = {n: getattr(policy, n) for n in META_FIELDS}
    meta = PolicyMetaForm(data, initial=meta_initial)
    if not new:
        del meta.fields["name"]
    rules = policy.rules or {}
    named = dict(rules.get("rules") or {})
    types = [*by_strength(), *(t for t in named if t not in set(by_strength()))]
    type_rows = [{"type": t, **rule_initial(named.get(t, ""))} for t in types]
    data_class = data.get("data_class", "") if data is not None else policy.data_class
    purpose = data.get("purpose", "") if data is not None else policy.purpose
    column_rules = dict(policy.column_rules or {})
    hinted = structured_columns_for(data_class=policy.data_class, purpose=policy.purpose)
    columns = [*hinted, *(c for c in column_rules if c not in set(hinted))]
    column_rows = [{"column": c, **rule_initial(column_rules.get(c, ""))} for c in columns]
    return Editor(
        meta=meta,
        default=DefaultRuleForm(
            data, prefix="default", initial=rule_initial(rules.get("default", "redact"))
        ),
        types=TypeFormSet(data, prefix="types", initial=type_rows),
        columns=ColumnsFormSet(
            data, prefix="columns", initial=column_rows,
            form_kwargs={"data_class": data_class, "purpose": purpose},
        ),
        id_rule=IdRuleForm(data, prefix="id", initial=rule_initial(policy.id_rule or {})),
        tabular=TabularForm(data, prefix="tabular", initial=tabular_initial(policy.tabular or {})),
    )
