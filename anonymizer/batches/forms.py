from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from anonymizer import roles
from anonymizer.batches.ingest import IngestError, check_size, guess_format
from anonymizer.batches.services import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS
from anonymizer.models import ApiToken, DataClass, Purpose, SourceFormat

AUTO = "auto"


def split_columns(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


class BatchUploadForm(forms.Form):
    name = forms.CharField(max_length=200)
    data_class = forms.ChoiceField(choices=DataClass.choices)
    purpose = forms.ChoiceField(choices=Purpose.choices)
    source_format = forms.ChoiceField(
        label="Format",
        choices=[(AUTO, "Guess from the file name"), *SourceFormat.choices],
        initial=AUTO,
    )
    file = forms.FileField()
    text_columns = forms.CharField(
        required=False,
        max_length=2000,
        help_text="CSV/JSONL: the column(s) holding the text, comma-separated. "
        "Default: a column named text, body, message, description or content.",
    )
    id_column = forms.CharField(
        required=False,
        max_length=200,
        help_text="CSV/JSONL: the column holding each record's id. Default: row number (CSV), "
        "the 'id' field (JSONL).",
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the batch a name.")
        return name

    def clean_file(self) -> Any:
        """The size limit, checked before the file is read (the page and the API alike)."""
        upload = self.cleaned_data["file"]
        try:
            check_size(upload.size or 0, max_bytes=settings.VEIL_MAX_UPLOAD_BYTES)
        except IngestError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload

    def resolved_format(self) -> str:
        chosen: str = self.cleaned_data["source_format"]
        if chosen == AUTO:
            return guess_format(self.cleaned_data["file"].name or "")
        return chosen

    def import_kwargs(self) -> dict[str, Any]:
        return {
            "name": self.cleaned_data["name"],
            "data_class": self.cleaned_data["data_class"],
            "purpose": self.cleaned_data["purpose"],
            "source_format": self.resolved_format(),
            "text_columns": split_columns(self.cleaned_data["text_columns"]),
            "id_column": self.cleaned_data["id_column"].strip(),
        }


class AssignReviewersForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reviewers"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = (
            get_user_model()
            .objects.filter(groups__name=roles.REVIEWER, is_active=True)
            .order_by("username")
        )


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. the CI job.")
    scopes = forms.MultipleChoiceField(
        choices=ApiToken.Scope.choices,
        initial=[ApiToken.Scope.READ],
        widget=forms.CheckboxSelectMultiple,
    )
    days = forms.IntegerField(
        label="Valid for (days)", min_value=1, max_value=MAX_TOKEN_DAYS, initial=DEFAULT_TOKEN_DAYS
    )
