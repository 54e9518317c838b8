"""Form fields where officers type JSON (rule-set configuration, policy rules)."""

from __future__ import annotations

import json

from django import forms


def json_object(raw: str | None, what: str = "The value") -> dict[str, object]:
    """Parse a JSON object typed into a form, with an error that says where it is wrong."""
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from None
    if not isinstance(value, dict):
        raise forms.ValidationError(f"{what} must be a JSON object.")
    return value
