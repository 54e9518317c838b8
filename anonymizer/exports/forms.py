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


class LinkageTestForm(forms.Form):
    """An external table and how it lines up with the export (see exports.linkage)."""

    table = forms.FileField(help_text="CSV with a header row, UTF-8. It is read once, never "
                            "stored (its sha256 is).")
    shared = forms.CharField(
        required=False, max_length=2000, label="Shared columns",
        help_text="external=export pairs, separated by commas, e.g. age=age, zip=postcode.",
    )
    identifiers = forms.CharField(
        required=False, max_length=2000, label="Direct identifiers",
        help_text="The table's columns of names, emails or phones to look for in the exported "
        "text, separated by commas.",
    )

    def clean_shared(self) -> dict[str, str]:
        pairs: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in self.cleaned_data["shared"].split(","))):
            external, sep, released = (x.strip() for x in part.partition("="))
            if not sep or not external or not released:
                raise forms.ValidationError("Write external=export pairs, e.g. age=age.")
            pairs[external] = released
        return pairs

    def clean_identifiers(self) -> list[str]:
        raw = self.cleaned_data["identifiers"]
        return [c.strip() for c in raw.split(",") if c.strip()]
