from __future__ import annotations

from django import forms


class ErasureForm(forms.Form):
    values = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text="The strings that identify the person, one per line: name, email, customer "
        "number. They are not stored.",
    )
    reason = forms.CharField(
        max_length=200,
        help_text="The request's reference (a ticket number), for the audit trail. Do not "
        "write the person's name here.",
    )

    def value_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["values"].splitlines() if line.strip()]
