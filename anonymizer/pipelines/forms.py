from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from anonymizer.models import DataClass, Pipeline, Policy, Purpose, SourceFormat
from anonymizer.pipelines.services import check_source_dir


class PipelineForm(forms.ModelForm):
    text_columns = forms.CharField(
        required=False, help_text="CSV: the columns holding free text, comma-separated.")
    policy_name = forms.ChoiceField(choices=())

    class Meta:
        model = Pipeline
        fields = ["name", "source_dir", "source_format", "text_columns", "id_column",
                  "data_class", "purpose", "policy_name", "export_when_cleared", "utility_label",
                  "interval_minutes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = sorted(set(Policy.objects.values_list("name", flat=True)))
        self.fields["policy_name"].choices = [(n, n) for n in names]
        self.fields["source_format"].choices = SourceFormat.choices
        self.fields["data_class"].choices = DataClass.choices
        self.fields["purpose"].choices = Purpose.choices
        self.fields["interval_minutes"].min_value = 1

    def clean_source_dir(self) -> str:
        return str(check_source_dir(self.cleaned_data["source_dir"]))

    def clean_text_columns(self) -> list[str]:
        raw = self.cleaned_data.get("text_columns") or ""
        return [c.strip() for c in raw.split(",") if c.strip()]

    def clean_interval_minutes(self) -> int | None:
        value = self.cleaned_data.get("interval_minutes")
        if value is not None and value < 1:
            raise ValidationError("At least one minute, or empty for on demand only.")
        return value
