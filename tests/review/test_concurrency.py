"""Two reviewers asking for work at the same moment, on real PostgreSQL row locks."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from review import services
from review.models import ReviewItem
from tests.review.factories import detect, make_batch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def crowd(admin_user: Any, make_user: Any) -> tuple[Any, list[Any]]:
    reviewers = [make_user(f"crowd_{i}", "reviewer") for i in range(6)]
    batch = make_batch(admin_user, reviewers, [f"record {i}" for i in range(12)])
    detect(batch, [("high", [(0, 6, "PERSON", 0.5 + i / 100)]) for i in range(12)])
    return batch, reviewers


def test_a_locked_head_of_queue_is_skipped_not_waited_for(crowd: Any) -> None:
    # `make test` runs on PostgreSQL; SKIP LOCKED is what this test is about.
    assert connection.vendor == "postgresql", "run the suite with `make test` (PostgreSQL)"
    _, (first, second, *_) = crowd
    head = ReviewItem.objects.order_by("priority", "confidence", "record_id").first()
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                ReviewItem.objects.select_for_update().get(pk=head.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    try:
        got = services.queue_next(reviewer=second)
    finally:
        release.set()
        holder.join()
    assert got is not None and got.pk != head.pk
    assert services.queue_next(reviewer=first).pk == head.pk


def test_reviewers_asking_at_once_get_different_records(crowd: Any) -> None:
    _, reviewers = crowd
    start = threading.Barrier(len(reviewers))
    got: dict[str, int] = {}
    errors: list[BaseException] = []

    def ask(user: Any) -> None:
        try:
            start.wait(10)
            item = services.queue_next(reviewer=user)
            got[user.username] = item.pk if item else -1
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(u,)) for u in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(got.values())) == len(reviewers) and -1 not in got.values()
    holders = dict(ReviewItem.objects.filter(holder__isnull=False).values_list("pk", "holder_id"))
    assert len(holders) == len(reviewers)
