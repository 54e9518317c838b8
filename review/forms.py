from __future__ import annotations

from django import forms

from review.services import NOTE_MAX

SPAN_ACTIONS = ("accept", "reject", "relabel", "adjust")
ITEM_ACTIONS = ("add", "accept_all", "submit", "escalate", "release")
OFFICER_ACTIONS = ("take", "comment", "return", "resolve")
ACTIONS = SPAN_ACTIONS + ITEM_ACTIONS + OFFICER_ACTIONS


class ActionForm(forms.Form):
    """One form for every action; the service checks which fields an action needs."""

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    version = forms.IntegerField(min_value=0, required=False)
    span = forms.IntegerField(min_value=1, required=False)
    label = forms.CharField(max_length=40, required=False)
    start = forms.IntegerField(min_value=0, required=False)
    end = forms.IntegerField(min_value=0, required=False)
    note = forms.CharField(max_length=NOTE_MAX, required=False, strip=True)
