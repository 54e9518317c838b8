"""The policy editor's forms: one row form per entity type, per structured column, for the id
column and for types the policy does not name, each with its operator and that operator's
parameters as fields; the tabular targets as fields. A row checks itself with the rule checks
of anonymizer.policies.rules (the same ones a save runs), so its errors show beside it."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.validators import RegexValidator

from anonymizer.engine.labels import LABELS
from anonymizer.engine.transform import DATE_LEVELS, GENERALIZE_PARAMS, OPERATOR_PARAMS, OPERATORS
from anonymizer.models import DataClass, Purpose
from anonymizer.policies import rules as checks

PARAM_FIELDS = ("entity_type", "label", "char", "keep_last", "level", "band", "keep",
                "granularity", "day_first", "subject_column")
TYPE_NAME = RegexValidator(r"^[A-Z][A-Z0-9_]*$", "Capitals, digits and _, e.g. EMPLOYEE_ID.")


def sentence(problem: str) -> str:
    """A rule check's phrase as an error message: capital first, full stop last."""
    return f"{problem[:1].upper()}{problem[1:]}."


def params_for(operator: str, label: str, *, column: bool = False) -> tuple[str, ...]:
    """The parameter fields `operator` reads for values of type `label` (the engine's lists);
    a column rule also names the type its values are treated as."""
    if not operator or operator not in OPERATOR_PARAMS:
        return ()
    names = set(OPERATOR_PARAMS[operator])
    if operator == "generalize":
        names |= GENERALIZE_PARAMS.get(label, frozenset())
    if column and operator not in ("redact", "keep"):
        names.add("entity_type")
    return tuple(p for p in PARAM_FIELDS if p in names)


class RuleForm(forms.Form):
    """An operator and its parameters; subclasses say what the values are and which check."""

    blank_choice = ""
    operators: tuple[str, ...] = OPERATORS
    is_column = False

    operator = forms.ChoiceField(required=False, choices=())
    label = forms.CharField(required=False, max_length=80, label="Written instead")
    char = forms.CharField(required=False, max_length=1, label="Mask character")
    keep_last = forms.IntegerField(required=False, label="Keep last")
    level = forms.ChoiceField(
        required=False, label="Level", choices=[("", "—"), *((v, v) for v in DATE_LEVELS)]
    )
    band = forms.IntegerField(required=False, label="Band width")
    keep = forms.IntegerField(required=False, label="Keep first")
    granularity = forms.ChoiceField(
        required=False, label="Address detail",
        choices=[("", "—"), ("full", "number, street and town"), ("street", "number and street"),
                 ("town", "town only")],
    )
    day_first = forms.NullBooleanField(
        required=False, label="Dates day first",
        widget=forms.Select(choices=[("", "—"), ("true", "yes (14/03/2021)"),
                                     ("false", "no (03/14/2021)")]),
    )
    subject_column = forms.CharField(
        required=False, max_length=200, label="Dates shift per",
        help_text="A column naming the customer (empty: per record)",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        blank = [("", self.blank_choice)] if self.blank_choice else []
        self.fields["operator"].choices = [*blank, *((op, op) for op in self.operators)]
        self.fields["operator"].required = not self.blank_choice

    # What the row is about, and which rule check applies.
    def value_label(self) -> str:
        raise NotImplementedError

    def problem(self, rule: dict[str, Any]) -> str:
        raise NotImplementedError

    def chosen(self, name: str) -> str:
        """The field's current value as text, bound or initial (for the template)."""
        value = self[name].value()
        return "" if value is None else str(value)

    @property
    def chosen_operator(self) -> str:
        return self.chosen("operator")

    @property
    def operator_values(self) -> list[str]:
        return [value for value, _ in self.fields["operator"].choices]

    @property
    def fixed_label(self) -> bool:
        """Whether the row's kind of value is fixed (not chosen in the row)."""
        return not self.is_column and not (isinstance(self, TypeRuleForm) and self.is_extra)

    @property
    def is_extra(self) -> bool:
        """The blank row at the end, to name a type or column not listed."""
        return not self.initial

    def shown_params(self) -> tuple[str, ...]:
        return params_for(self.chosen("operator"), self.current_label(), column=self.is_column)

    def current_label(self) -> str:
        return self.value_label()

    def param_cells(self) -> list[dict[str, Any]]:
        """Each parameter field with the operators (and value types) it belongs to, and
        whether it shows for the current choice; the script shows and hides them alike."""
        shown = self.shown_params()
        cells = []
        for name in PARAM_FIELDS:
            if name not in self.fields:
                continue
            ops = [op for op in self.operators if name in OPERATOR_PARAMS[op]]
            kinds = sorted(k for k, names in GENERALIZE_PARAMS.items() if name in names)
            if kinds:
                ops.append("generalize")
            if name == "entity_type":
                ops = [op for op in self.operators if op not in ("redact", "keep")]
                kinds = []
            if not set(ops) & set(self.operators):
                continue
            if kinds and self.fixed_label and self.value_label() not in kinds:
                continue  # a type generalize cannot coarsen never shows these
            cells.append({"field": self[name], "ops": " ".join(ops), "kinds": " ".join(kinds),
                          "shown": name in shown})
        return cells

    def rule(self) -> dict[str, Any] | None:
        """The rule as the policy stores it, {"operator", "params"}; None for the blank choice."""
        data = getattr(self, "cleaned_data", {})
        operator = data.get("operator") or ""
        if not operator:
            return None
        params = {}
        for name in params_for(operator, self.current_label(), column=self.is_column):
            value = data.get(name)
            if value not in (None, ""):
                params[name] = value
        return {"operator": operator, "params": params} if params else {"operator": operator}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        rule = self.rule()
        if rule is not None and not self.errors:
            problem = self.problem(rule)
            if problem:
                self.add_error(self.field_of(problem), sentence(problem))
        return data

    def field_of(self, problem: str) -> str:
        """The parameter a problem is about, named by its first word, else the operator."""
        first = re.split(r"\W", problem, maxsplit=1)[0]
        return first if first in self.shown_params() else "operator"


class TypeRuleForm(RuleForm):
    """One entity type of the text: blank operator = what types not named get."""

    blank_choice = "As any other type"
    type = forms.CharField(max_length=40, validators=[TYPE_NAME], label="Entity type")

    def value_label(self) -> str:
        return self.chosen("type")

    def problem(self, rule: dict[str, Any]) -> str:
        return checks.text_rule_problem(self.cleaned_data.get("type", ""), rule)

    @property
    def known(self) -> bool:
        return self.value_label() in LABELS


class DefaultRuleForm(RuleForm):
    """Types the policy does not name (fail closed: never kept)."""

    operators = checks.DEFAULT_OPERATORS

    def value_label(self) -> str:
        return "default"

    def problem(self, rule: dict[str, Any]) -> str:
        return checks.text_rule_problem("default", rule)


class ColumnRuleForm(RuleForm):
    """One structured column: blank operator = not named, the column is dropped."""

    blank_choice = "Drop the column"
    is_column = True
    column = forms.CharField(max_length=200, label="Column")
    entity_type = forms.ChoiceField(required=False, label="Values are", choices=())

    def __init__(self, *args: Any, data_class: str = "", purpose: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.data_class, self.purpose = data_class, purpose
        current = self.chosen("entity_type")
        kinds = [*GENERALIZE_PARAMS, *(k for k in LABELS if k not in GENERALIZE_PARAMS)]
        if current and current not in kinds:
            kinds.append(current)
        self.fields["entity_type"].choices = [("", "As named"), *((k, k) for k in kinds)]

    @property
    def chosen_column(self) -> str:
        return self.chosen("column")

    def value_label(self) -> str:
        return self.chosen("column").upper()

    def current_label(self) -> str:
        return self.chosen("entity_type") or self.value_label()

    def problem(self, rule: dict[str, Any]) -> str:
        return checks.column_rule_problem(
            self.cleaned_data.get("column", ""), rule,
            data_class=self.data_class, purpose=self.purpose,
        )


class IdRuleForm(RuleForm):
    """The batch's id column: blank = the keyed pseudonym of the linkage domain."""

    blank_choice = "Keyed pseudonym (default)"
    operators = checks.ID_OPERATORS

    def value_label(self) -> str:
        return checks.ID_LABEL

    def problem(self, rule: dict[str, Any]) -> str:
        return checks.id_rule_problem(rule)


class UniqueKeyFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """Rows keyed by `key_field` (type or column): each key at most once."""

    key_field = "type"

    def clean(self) -> None:
        seen: set[str] = set()
        for form in self.forms:
            key = getattr(form, "cleaned_data", {}).get(self.key_field)
            if key and key in seen:
                form.add_error(self.key_field, f"{key} has a row already.")
            seen.add(key or "")


class ColumnFormSet(UniqueKeyFormSet):
    key_field = "column"


TypeFormSet = forms.formset_factory(TypeRuleForm, formset=UniqueKeyFormSet, extra=1)
ColumnsFormSet = forms.formset_factory(ColumnRuleForm, formset=ColumnFormSet, extra=1)


class PolicyMetaForm(forms.Form):
    name = forms.SlugField(max_length=80)
    data_class = forms.ChoiceField(choices=[("", "Any"), *DataClass.choices], required=False)
    purpose = forms.ChoiceField(choices=[("", "Any"), *Purpose.choices], required=False)
    linkage_domain = forms.SlugField(
        max_length=80, initial="default", help_text="Pseudonyms link only within one domain."
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class TabularForm(forms.Form):
    """The structured-column targets: k, l, the suppression budget, caps on generalization,
    and differentially private aggregates. Checked by rules.tabular_problem."""

    k = forms.IntegerField(required=False, help_text="Smallest group of look-alike records.")
    l = forms.IntegerField(  # noqa: E741
        required=False, help_text="Distinct sensitive values in every group."
    )
    suppression = forms.FloatField(
        required=False, help_text="Share of records that may be left out to reach k (0 to 1)."
    )
    max_levels = forms.CharField(
        required=False, max_length=500, label="Generalize at most",
        help_text="column=levels, separated by commas, e.g. postcode=2",
    )
    dp_epsilon = forms.FloatField(required=False, label="DP epsilon per export")
    dp_total = forms.FloatField(required=False, label="DP total budget")
    dp_group_by = forms.CharField(required=False, max_length=200, label="DP count by column")
    dp_value = forms.CharField(required=False, max_length=200, label="DP mean of column")
    dp_low = forms.FloatField(required=False, label="DP value at least")
    dp_high = forms.FloatField(required=False, label="DP value at most")
    dp_categories = forms.CharField(
        required=False, max_length=2000, label="DP categories",
        help_text="Public category names, separated by commas (empty: those in the data).",
    )
    require_linkage_test = forms.BooleanField(
        required=False, label="Require a passed linkage test",
        help_text="An export's files are released only after an officer's linkage test passes.",
    )

    FIELD_OF = {"k": "k", "l": "l", "suppression": "suppression", "max_levels": "max_levels",
                "dp": "dp_epsilon", "dp.epsilon": "dp_epsilon", "dp.total": "dp_total",
                "dp.bounds": "dp_low", "require_linkage_test": "require_linkage_test",
                "tabular": None}

    def clean_max_levels(self) -> dict[str, int]:
        levels: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in self.cleaned_data["max_levels"].split(","))):
            column, _, number = part.partition("=")
            if not column.strip() or not number.strip().isdigit():
                raise forms.ValidationError("Write column=levels pairs, e.g. postcode=2.")
            levels[column.strip()] = int(number)
        return levels

    def value(self) -> dict[str, Any]:
        """The targets as the policy stores them (empty fields left out)."""
        data = self.cleaned_data
        out: dict[str, Any] = {
            n: data[n] for n in ("k", "l", "suppression") if data.get(n) is not None
        }
        if data.get("max_levels"):
            out["max_levels"] = data["max_levels"]
        dp = {n: data[f"dp_{n}"] for n in ("epsilon", "total") if data.get(f"dp_{n}") is not None}
        dp |= {n: data[f"dp_{n}"] for n in ("group_by", "value") if data.get(f"dp_{n}")}
        if data.get("dp_low") is not None or data.get("dp_high") is not None:
            dp["bounds"] = [data.get("dp_low"), data.get("dp_high")]
        categories = [c.strip() for c in (data.get("dp_categories") or "").split(",") if c.strip()]
        if categories:
            dp["categories"] = categories
        if dp:
            out["dp"] = dp
        if data.get("require_linkage_test"):
            out["require_linkage_test"] = True
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            found = checks.tabular_problem(self.value())
            if found:
                self.add_error(self.FIELD_OF.get(found[0]), sentence(found[1]))
        return data


def tabular_initial(tabular: dict[str, Any]) -> dict[str, Any]:
    """The tabular form's fields from a policy's targets."""
    dp = dict(tabular.get("dp") or {})
    bounds = list(dp.get("bounds") or [None, None]) + [None, None]
    levels = ", ".join(f"{c}={v}" for c, v in dict(tabular.get("max_levels") or {}).items())
    return {
        "k": tabular.get("k"), "l": tabular.get("l"), "suppression": tabular.get("suppression"),
        "max_levels": levels, "dp_epsilon": dp.get("epsilon"), "dp_total": dp.get("total"),
        "dp_group_by": dp.get("group_by", ""), "dp_value": dp.get("value") or "",
        "dp_low": bounds[0], "dp_high": bounds[1],
        "dp_categories": ", ".join(str(c) for c in dp.get("categories") or []),
        "require_linkage_test": bool(tabular.get("require_linkage_test")),
    }


class SendBackForm(forms.Form):
    reason = forms.CharField(
        min_length=10,
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the editor should change (at least 10 characters); kept in the audit "
        "trail. Do not paste customer text.",
    )
