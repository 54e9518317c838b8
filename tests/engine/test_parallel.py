"""Detection split over forked processes gives exactly what one process gives, in order."""

from __future__ import annotations

from typing import Any

from anonymizer.engine.analyzer import detect_many
from anonymizer.engine.parallel import MIN_TEXTS_PER_PROCESS, _slices, detect_parallel
from anonymizer.engine.synth import generate_tickets


def test_two_processes_find_what_one_finds(analyzer: Any) -> None:
    texts = [t["text"] for t in generate_tickets(2 * MIN_TEXTS_PER_PROCESS + 7, seed=11)]
    alone = list(detect_many(texts, analyzer=analyzer))
    assert detect_parallel(texts, analyzer=analyzer, processes=2) == alone
    assert sum(map(len, alone)) > len(texts)  # the tickets hold identifiers to find


def test_slices_keep_the_order_and_balance_the_characters() -> None:
    texts = [("x" * (i % 7 + 1)) + str(i) for i in range(100)]
    parts = _slices(texts, 3)
    assert [t for part in parts for t in part] == texts
    sizes = [sum(map(len, part)) for part in parts]
    assert max(sizes) - min(sizes) <= 2 * max(map(len, texts))
