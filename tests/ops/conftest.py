from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

REMOTE = "203.0.113.7"  # an address from the documentation range: not this machine


@pytest.fixture
def remote() -> Client:
    """A caller from another machine."""
    return Client(REMOTE_ADDR=REMOTE)


def samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page: (name, sorted labels) -> value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def redis_at(url: str) -> dict[str, Any]:
    """Settings that point every rq queue (and REDIS_URL) at `url`."""
    names = ("default", "detection", "export")
    queues = {name: {"URL": url, "DEFAULT_TIMEOUT": 3600} for name in names}
    return {"REDIS_URL": url, "RQ_QUEUES": queues}


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers (a hung Redis)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield s.getsockname()[1]
