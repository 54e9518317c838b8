"""A reviewer may work one batch: "Review this batch" leases records of that batch only, and
submitting goes on to the next record of the same batch."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from review.models import ReviewItem
from tests.review.factories import detect, make_batch

pytestmark = pytest.mark.django_db


def test_review_this_batch_stays_in_the_batch(admin_user: Any, reviewer: Any,
                                             outsider: Any) -> None:
    first = make_batch(admin_user, [reviewer], ["Jane rang.", "Bob wrote."], name="first")
    second = make_batch(admin_user, [reviewer], ["Ann left.", "Sam came."], name="second")
    for batch in (first, second):
        detect(batch, [("high", []), ("high", [])])  # nothing to decide: submit at once
    client = Client()
    client.force_login(reviewer)
    home = client.get(reverse("review_home"))
    assert home.content.count(b"Review this batch") == 2
    response = client.post(reverse("review_next"), {"batch": str(second.public_id)})
    item = ReviewItem.objects.get(holder=reviewer)
    assert item.batch == second
    assert response["Location"] == reverse("review_record", args=[item.public_id])
    # submitting goes on within the chosen batch
    submitted = client.post(reverse("review_act", args=[item.public_id]),
                            {"action": "submit", "version": item.version})
    following = ReviewItem.objects.get(holder=reviewer, state="open")
    assert following.batch == second and following != item
    assert submitted["Location"] == reverse("review_record", args=[following.public_id])
    # a batch the reviewer is not assigned to is not theirs to choose
    other = Client()
    other.force_login(outsider)
    assert other.post(reverse("review_next"), {"batch": str(second.public_id)}).status_code == 404


def test_a_look_before_the_first_lease_shows_the_detections(admin_user: Any, reviewer: Any,
                                                           officer: Any) -> None:
    batch = make_batch(admin_user, [reviewer], ["Jane rang about it."], name="look")
    detect(batch, [("high", [(0, 4, "PERSON", 0.9)])])
    item = ReviewItem.objects.get(batch=batch)
    assert not item.spans_ready
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("review_record", args=[item.public_id]))
    assert b"[CUSTOMER_NAME]" in page.content  # the preview transforms the detection
    assert b"No spans were detected" not in page.content
    item.refresh_from_db()
    assert not item.spans_ready  # a look writes nothing
