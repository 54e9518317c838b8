"""Reading the policy editor as a browser submits it: every input, select and textarea of a
form on the page, with the values it would send."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client
from django.urls import reverse

from anonymizer.models import Policy


class FormReader(HTMLParser):
    """The fields of the form with id `form_id`: name -> value (as a browser submits them)."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.values = form_id, False, {}
        self._select: str | None = None
        self._first: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "checkbox"):
            self.values[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select, self._first = name, None
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            if self._first is None:
                self._first = value
                self.values.setdefault(self._select, value)
            if "selected" in a:
                self.values[self._select] = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.values[self._textarea] = "".join(self._text).lstrip("\n")
            self._textarea = None


def form_values(html: str, form_id: str = "policy-form") -> dict[str, str]:
    reader = FormReader(form_id)
    reader.feed(html)
    assert reader.values, f"no form #{form_id} on the page"
    return reader.values


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def editor_values(client: Client, policy: Policy | None = None) -> dict[str, str]:
    """What the editor page would submit unchanged (the new-policy page without a policy)."""
    url = reverse("policy_detail", args=[policy.public_id]) if policy else reverse("policy_new")
    response = client.get(url)
    assert response.status_code == 200
    return form_values(response.content.decode())


def row_prefix(values: dict[str, str], key_field: str, key: str) -> str:
    """The prefix ("types-3") of the row whose type or column is `key`."""
    for name, value in values.items():
        if name.endswith(f"-{key_field}") and value == key:
            return name[: -len(key_field) - 1]
    raise AssertionError(f"no row for {key}")
