"""The DOM contract between the server and review.js is named once (review.rendering.DOM, action
names from review.forms): the pages carry it as JSON, the templates and the script take every
id, class, data-attribute and action from it instead of spelling them."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from review import rendering, services
from review.forms import ACTIONS
from review.models import ReviewItem
from tests.review.factories import detect, make_batch

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (ROOT / "static" / "review" / "review.js").read_text(encoding="utf-8")
TEMPLATES = "".join(
    path.read_text(encoding="utf-8") for path in sorted((ROOT / "templates" / "review").glob("*"))
)
CONTRACT = re.compile(r'<script id="review-dom" type="application/json">(.*?)</script>', re.S)
POSTED_ACTION = re.compile(r'name="action" value="([^"]*)"')


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def contract_of(body: str) -> Any:
    found = CONTRACT.findall(body)
    assert len(found) == 1, "one contract block per page"
    return json.loads(found[0])


@pytest.fixture
def leased(admin_user: Any, reviewer: Any) -> ReviewItem:
    batch = make_batch(admin_user, [reviewer], ["Jane Roe wrote from jane@example.com"])
    detect(batch, [("high", [(0, 8, "PERSON", 0.7), (20, 36, "EMAIL_ADDRESS", 0.99)])])
    item = services.queue_next(reviewer=reviewer)
    assert item is not None
    return item


@pytest.mark.django_db
def test_the_pages_carry_the_contract_the_script_reads(leased: ReviewItem, reviewer: Any) -> None:
    client = client_for(reviewer)
    record = client.get(reverse("review_record", args=[leased.public_id])).content.decode()
    home = client.get(reverse("review_home")).content.decode()
    assert contract_of(record) == rendering.DOM == contract_of(home)
    assert set(rendering.DOM["actions"].values()) == set(ACTIONS)


@pytest.mark.django_db
def test_every_action_the_pages_post_is_a_form_action(
    leased: ReviewItem, reviewer: Any, officer: Any
) -> None:
    url, act = (reverse(name, args=[leased.public_id]) for name in ("review_record", "review_act"))
    posted = set(POSTED_ACTION.findall(client_for(reviewer).get(url).content.decode()))
    services.item_escalate(actor=reviewer, item=leased, version=0, note="look")
    client = client_for(officer)
    posted |= set(POSTED_ACTION.findall(client.get(url).content.decode()))  # take
    client.post(act, {"action": "take"})
    posted |= set(POSTED_ACTION.findall(client.get(url).content.decode()))  # officer actions
    assert posted == set(ACTIONS)


def test_the_script_spells_no_id_class_or_attribute_of_the_contract() -> None:
    assert SCRIPT.count('"review-dom"') == 1  # the contract block itself
    names = {*rendering.DOM["ids"].values(), *rendering.DOM["classes"].values()} - {"review-dom"}
    literals = re.findall(r'"([^"\\]*)"', SCRIPT)
    tokens = {token for literal in literals for token in re.split(r"[\s.#,\[\]()]+", literal)}
    assert not names & tokens
    assert not re.search(r"dataset\.\w|\[data-\w", SCRIPT)
    assert not re.search(r"\"(act-|s-|m-)", SCRIPT)


def test_the_templates_take_every_id_from_the_contract() -> None:
    built_in_python = {"mark_prefix", "row_prefix"}  # review.rendering builds those ids
    for field in fields(rendering.Ids):
        if field.name not in built_in_python:
            assert f"dom.ids.{field.name}" in TEMPLATES, field.name
    for value in rendering.DOM["ids"].values():
        assert f'id="{value}"' not in TEMPLATES, value
