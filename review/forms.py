"""The one form every review action posts, and the action names: the single source of the names
the views dispatch on, the templates post (through `dom.actions` in their context) and the
page script reads (from the page's review-dom JSON block, see review.rendering)."""

from __future__ import annotations

from django import forms

from review.services import NOTE_MAX

# On one span.
ACCEPT, REJECT, RELABEL, ADJUST = "accept", "reject", "relabel", "adjust"
# On the whole record.
ADD, ACCEPT_ALL, SUBMIT, ESCALATE, RELEASE = "add", "accept_all", "submit", "escalate", "release"
# Privacy officers only, on an escalation.
TAKE, COMMENT, RETURN, RESOLVE = "take", "comment", "return", "resolve"

SPAN_ACTIONS = (ACCEPT, REJECT, RELABEL, ADJUST)
ITEM_ACTIONS = (ADD, ACCEPT_ALL, SUBMIT, ESCALATE, RELEASE)
OFFICER_ACTIONS = (TAKE, COMMENT, RETURN, RESOLVE)
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
