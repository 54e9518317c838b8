from __future__ import annotations

import json

from django import forms

from anonymizer.jsonforms import json_object
from anonymizer.models import DataClass, Policy, Purpose


class PolicyForm(forms.Form):
    name = forms.SlugField(max_length=80)
    data_class = forms.ChoiceField(choices=[("", "Any"), *DataClass.choices], required=False)
    purpose = forms.ChoiceField(choices=[("", "Any"), *Purpose.choices], required=False)
    linkage_domain = forms.SlugField(max_length=80, initial="default")
    rules = forms.CharField(widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}))
    column_rules = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        required=False,
        help_text='{"plan": "keep", "birth_year": {"operator": "generalize", "params": '
        '{"entity_type": "NUMBER", "band": 10}}}. Columns not named are dropped; a generalize '
        "rule must fit the column's values (DATE_TIME for dates, NUMBER or AGE for numbers, "
        "POSTCODE).",
    )
    id_rule = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        required=False,
        label="Id column rule",
        help_text='{"operator": "pseudonymize"} (empty: the same, a keyed pseudonym of the '
        'linkage domain); "keep" exports the source id as it is, "mask" or "redact" hide it.',
    )
    tabular = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        required=False,
        label="Structured-column targets",
        help_text='{"k": 5, "l": 2, "suppression": 0.05, "max_levels": {"postcode": 2}, '
        '"dp": {"epsilon": 1.0, "total": 3.0, "group_by": "plan", "value": "age", '
        '"bounds": [0, 120]}}. Empty: no target.',
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_tabular(self) -> dict[str, object]:
        value = self._json("tabular")
        k = value.get("k")
        if k is not None and (not isinstance(k, int) or isinstance(k, bool) or k < 1):
            raise forms.ValidationError("k must be a whole number of at least 1.")
        budget = value.get("suppression", 0.05)
        if not isinstance(budget, int | float) or not 0 <= budget <= 1:
            raise forms.ValidationError("suppression is a share between 0 and 1.")
        dp = value.get("dp")
        if dp is not None and (
            not isinstance(dp, dict) or not {"epsilon", "total", "group_by"} <= set(dp)
        ):
            raise forms.ValidationError("dp needs epsilon, total and group_by.")
        return value

    def _json(self, field: str) -> dict[str, object]:
        return json_object(self.cleaned_data.get(field), "This field")

    def clean_rules(self) -> dict[str, object]:
        return self._json("rules")

    def clean_column_rules(self) -> dict[str, object]:
        return self._json("column_rules")

    def clean_id_rule(self) -> dict[str, object]:
        return self._json("id_rule")


TEXT_FIELDS = ("name", "data_class", "purpose", "linkage_domain", "notes")
JSON_FIELDS = ("rules", "column_rules", "id_rule", "tabular")


def initial_for(policy: Policy) -> dict[str, object]:
    """The form's fields from a policy: plain values, and the JSON ones pretty-printed."""
    initial: dict[str, object] = {f: getattr(policy, f) for f in TEXT_FIELDS}
    initial |= {f: json.dumps(getattr(policy, f), indent=2) for f in JSON_FIELDS}
    return initial


class SendBackForm(forms.Form):
    reason = forms.CharField(
        min_length=10,
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the editor should change (at least 10 characters); kept in the audit "
        "trail. Do not paste customer text.",
    )
