"""The place gazetteer's saved copy (places.py): small, so that every detecting process loads it
fast, and the same gazetteer as a fresh build from GeoNames."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.engine import places

TEXTS = [
    "I moved from Kraków, Poland to LEEDS last year.",
    "Shipped to New York-based offices and to Krakow",
    "@London _Paris -Berlin Berlin_ Rome@x are not at word bounds",
    "We met in São Paulo, then in St. Louis, MO.",
    "UNITED STATES and United Kingdom",
    "Nice weather in Reading, said the Mobile team",
]


def test_the_saved_gazetteer_is_a_small_file() -> None:
    # the 12 MB Aho-Corasick automaton it replaced took about 0.1 s of CPU to load
    places.find_gazetteer_places("Leeds")
    assert places._cache_path().stat().st_size < 3_000_000


def test_a_saved_copy_finds_what_a_fresh_build_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "places.forms"
    monkeypatch.setattr(places, "_cache_path", lambda: path)
    places._gazetteer.cache_clear()
    try:
        built = [places.find_gazetteer_places(t) for t in TEXTS]  # builds and saves
        assert path.stat().st_size > 0
        places._gazetteer.cache_clear()
        assert places._load_saved(path) is not None
        assert [places.find_gazetteer_places(t) for t in TEXTS] == built
    finally:
        places._gazetteer.cache_clear()
    found = [(TEXTS[0][s.start:s.end], s.label) for s in built[0]]
    assert found == [("Kraków", "LOCATION"), ("Poland", "LOCATION")]  # LEEDS: a small city
    assert [TEXTS[2][s.start:s.end] for s in built[2]] == []


def test_a_corrupt_saved_copy_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "places.forms"
    path.write_bytes(b"\x00not marshal data")
    monkeypatch.setattr(places, "_cache_path", lambda: path)
    places._gazetteer.cache_clear()
    try:
        spans = places.find_gazetteer_places("She lives in Leeds.")
        assert places._load_saved(path) is not None
    finally:
        places._gazetteer.cache_clear()
    assert [(s.start, s.end) for s in spans] == [(13, 18)]
