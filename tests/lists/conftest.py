"""What the list-page tests share: clients per user, batches of detected records, escalations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pytest
from django.test import Client

from anonymizer.models import RiskAssessment, SourceBatch
from review import services
from review.models import ReviewItem
from tests.review.factories import detect, make_batch

SECRET = "Zelda Quux-Secretaria"  # planted in record texts: no list may show it


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detected_batch(
    admin: Any, reviewers: Sequence[Any], tiers: Sequence[str], *, name: str = "Lists batch"
) -> SourceBatch:
    """A batch of len(tiers) records, each with SECRET at the start of its text and a PERSON
    span over it, detected with those tiers and queued for review."""
    texts = [f"{SECRET} wrote ticket number {i} about a parcel" for i in range(len(tiers))]
    batch = make_batch(admin, list(reviewers), texts, name=name)
    plan = [(tier, [(0, len(SECRET), "PERSON", 0.6), (6, 10, "LOCATION", 0.9)]) for tier in tiers]
    detect(batch, plan)
    return batch


def set_triggers(batch: SourceBatch, position: int, codes: Sequence[str]) -> None:
    RiskAssessment.objects.filter(
        run_id=batch.current_run_id, record__batch=batch, record__position=position
    ).update(triggers=[{"code": c, "detail": {"count": 1}} for c in codes])


def escalate(reviewer: Any, note: str = "Is this a name?") -> ReviewItem:
    """The reviewer takes the next record of their queue and escalates it."""
    item = services.queue_next(reviewer=reviewer)
    assert item is not None
    return services.item_escalate(actor=reviewer, item=item, version=item.version, note=note)


def give_back(officer: Any, item: ReviewItem, note: str = "Look again") -> ReviewItem:
    """An officer takes the escalation and returns it to the reviewer (it is resolved)."""
    taken = services.escalation_take(officer=officer, item=item)
    return services.escalation_return(
        actor=officer, item=taken, version=taken.version, note=note
    )


def cells(html: str, row_class: str) -> list[str]:
    """The HTML of each <tr class="row_class"> row, in page order."""
    return re.findall(rf'<tr class="{row_class}".*?</tr>', html, flags=re.S)


@pytest.fixture
def second_reviewer(make_user: Any) -> Any:
    return make_user("ravi_reviewer", "reviewer")
