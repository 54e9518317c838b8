from __future__ import annotations

from django import forms

from anonymizer.jsonforms import json_object


class RuleSetForm(forms.Form):
    config = forms.CharField(widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    validation_sample_rate = forms.FloatField(min_value=0, max_value=1)

    def clean_config(self) -> dict[str, object]:
        return json_object(self.cleaned_data["config"], "The configuration")
