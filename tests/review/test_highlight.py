"""The highlighted text and the preview are built by slicing and escaping: whatever the text
and the spans, the markup holds the text exactly once, escaped, in order."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from review.rendering import highlight


@dataclass
class FakeSpan:
    pk: int
    start: int
    end: int
    label: str
    status: str = "pending"


TAG = re.compile(r"<[^>]*>")


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[FakeSpan]]:
    text = draw(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1))
    spans = []
    for pk in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        label = draw(st.sampled_from(["PERSON", "X<y>", "QUASI_FAMILY"]))
        spans.append(FakeSpan(pk + 1, start, end, label))
    return text, spans


@given(text_and_spans())
def test_the_markup_holds_the_text_exactly_once_and_escaped(case: tuple[str, list]) -> None:
    text, spans = case
    markup = str(highlight(text, spans))
    assert html.unescape(TAG.sub("", markup)) == text
    # pieces (segments and marks) in order, each once; an implied phrase's wrapper carries the
    # offset of its first piece
    pieces = re.findall(r'<(?:span|mark) class="(?!hl implied)[^"]*"[^>]*data-o="(\d+)"', markup)
    offsets = [int(o) for o in pieces]
    assert offsets == sorted(offsets) and len(offsets) == len(set(offsets))
    wrappers = [int(o) for o in re.findall(r'class="hl implied[^"]*"[^>]*data-o="(\d+)"', markup)]
    assert set(wrappers) <= set(offsets)


def test_markup_in_a_ticket_stays_text() -> None:
    text = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    markup = str(highlight(text, [FakeSpan(1, 8, 16, "PERSON")]))
    assert "<script" not in markup and "<img" not in markup
    assert "&lt;script&gt;" in markup and "onerror=&quot;alert(2)&quot;" in markup


def test_an_implied_phrase_wraps_the_detections_inside_it() -> None:
    text = "I am the only nurse at the Leeds clinic."
    spans = [FakeSpan(1, 0, 39, "QUASI_OCCUPATION"), FakeSpan(2, 27, 32, "LOCATION")]
    markup = str(highlight(text, spans))
    outer = re.search(r'<mark class="hl implied[^"]*" id="m-1"[^>]*>(.*)</mark>', markup)
    assert outer is not None and 'id="m-2"' in outer.group(1)
    assert html.unescape(TAG.sub("", markup)) == text
    # a detection that crosses the phrase's edge widens the phrase rather than being cut
    crossing = str(highlight(text, [FakeSpan(1, 5, 30, "QUASI_OCCUPATION"),
                                    FakeSpan(2, 27, 32, "LOCATION")]))
    assert re.search(r'id="m-1"[^>]*data-o="5"', crossing) and crossing.count('id="m-2"') == 1
    assert html.unescape(TAG.sub("", crossing)) == text
