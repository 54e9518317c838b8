"""API test helpers: tokens with scopes, a client that sends one, and the sample batch after
detection (written straight into the database, as tests/review does)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from anonymizer.batches import services
from anonymizer.models import ApiToken, Record
from tests.review.factories import detect, span_at

ALL_SCOPES = tuple(ApiToken.Scope.values)
PLANTED = ("Jane Roe", "ORD-123456")  # the raw values detect() marks in record T1


class Api:
    """A test client sending `Authorization: Bearer <key>` (and nothing of a session)."""

    def __init__(self, key: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(path, params or {}, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            path, json.dumps(body or {}), content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api(db: Any) -> Any:
    """api(user, *scopes): a client with a fresh token of the user (all scopes by default)."""

    def make(user: Any, *scopes: str) -> Api:
        _, key = services.api_token_create(user=user, name="test", scopes=scopes or ALL_SCOPES)
        return Api(key)

    return make


@pytest.fixture
def detected(batch: Any) -> Any:
    """The sample batch after detection: T1 high (a name and an order id), T2 medium (no
    spans), T3 low (auto-cleared, the sample rate at 0)."""
    t1 = Record.objects.get(batch=batch, external_id="T1").text
    detect(
        batch,
        [
            (
                "high",
                [span_at(t1, PLANTED[0], "PERSON", 0.85), span_at(t1, PLANTED[1], "ORDER_ID", 0.6)],
            ),
            ("medium", []),
            ("low", []),
        ],
    )
    return batch
