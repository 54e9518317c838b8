"""What the implied-identifier tests share: the phrases found in a sentence, the types over a
phrase, and the implied figures on one of the hand-written sets in tests/fixtures/quasi/."""

from __future__ import annotations

from pathlib import Path

from anonymizer.engine.evaluation import GoldDoc, GoldSpan, evaluate_groups
from anonymizer.engine.quasi import find_quasi
from anonymizer.engine.quasi_synth import read_markup

QUASI_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "quasi"


def found(text: str) -> list[tuple[str, str]]:
    return [(q.label, text[q.start:q.end]) for q in find_quasi(text)]


def covered(text: str, phrase: str) -> set[str]:
    """The QUASI_* labels of found spans that overlap `phrase` in `text`."""
    start = text.index(phrase)
    end = start + len(phrase)
    return {q.label for q in find_quasi(text) if q.start < end and start < q.end}


def implied_figures(name: str) -> tuple[float, float, int]:
    """(recall, precision, texts) of the implied identifiers on the set `name`."""
    docs = read_markup((QUASI_FIXTURES / name).read_text(encoding="utf-8").splitlines())
    gold = [GoldDoc(d["id"], d["text"], tuple(GoldSpan(s["start"], s["end"], s["label"])
                                              for s in d["spans"])) for d in docs]
    implied = evaluate_groups(gold, [find_quasi(d["text"]) for d in docs])["implied"]
    return implied.recall, implied.precision, len(docs)
