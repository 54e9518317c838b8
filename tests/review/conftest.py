from __future__ import annotations

from typing import Any

import pytest

from anonymizer.models import Record
from tests.review.factories import detect, span_at


@pytest.fixture
def detected(batch: Any) -> Any:
    """The shared sample batch after detection: T1 high (a name and an order id), T2 medium
    (no spans), T3 low (auto-cleared with the sample rate at 0)."""
    t1 = Record.objects.get(batch=batch, external_id="T1").text
    detect(
        batch,
        [
            (
                "high",
                [
                    span_at(t1, "Jane Roe", "PERSON", 0.85),
                    span_at(t1, "ORD-123456", "ORDER_ID", 0.6),
                ],
            ),
            ("medium", []),
            ("low", []),
        ],
    )
    return batch
