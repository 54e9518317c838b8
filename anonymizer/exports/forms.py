from __future__ import annotations

from django import forms


class VaultLookupForm(forms.Form):
    linkage_domain = forms.SlugField(max_length=80, initial="default")
    token = forms.CharField(max_length=120)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Why you need the original. Recorded in the audit trail.",
    )
