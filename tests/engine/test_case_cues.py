"""Where capital letters give no cue: plurals of peoples in lower case, speaker labels in a
dialogue, and known names in a text written all in lower case (issue 13: what auto-clear
must not let through)."""

from __future__ import annotations

from typing import Any

import pytest

from anonymizer.engine.analyzer import detect
from anonymizer.engine.names import NameGazetteer
from anonymizer.engine.risk import assess_risk


def found(text: str, analyzer: Any) -> dict[str, str]:
    return {text[s.start:s.end]: s.label for s in detect(text, analyzer=analyzer)}


def tier(text: str, analyzer: Any) -> str:
    spans = detect(text, analyzer=analyzer)
    return assess_risk(text, spans, data_class="personal", purpose="theme_analysis").tier


@pytest.mark.parametrize(("text", "term"), [
    ("honestly we are proud kenyans and we want the app in swahili", "kenyans"),
    ("the muslims in our building asked for the prayer room", "muslims"),
])
def test_lower_case_plurals_of_peoples_are_nrp(text: str, term: str, analyzer: Any) -> None:
    assert found(text, analyzer).get(term) == "NRP"


@pytest.mark.parametrize("text", [
    "the north and south poles are cold",
    "we grow swedes and carrots in the garden",
    "the liberals and conservatives on the forum argued",
])
def test_everyday_plurals_stay_plain_words(text: str, analyzer: Any) -> None:
    assert "NRP" not in found(text, analyzer).values()


def test_every_speaker_in_a_dialogue_is_a_name(analyzer: Any) -> None:
    text = "Quillon: Where were you? Maria: At work. Quillon: Again?"
    spans = found(text, analyzer)
    assert spans.get("Maria") == "PERSON"
    assert spans.get("Quillon") == "PERSON"


def test_role_labels_are_not_names(analyzer: Any) -> None:
    text = "Agent: How can I help? Customer: My router is down. Agent: Let me check."
    spans = found(text, analyzer)
    assert "Agent" not in spans and "Customer" not in spans


def test_one_label_alone_is_not_a_dialogue(analyzer: Any) -> None:
    assert found("Quillon: the parcel never came.", analyzer).get("Quillon") != "PERSON"


def test_a_known_name_in_lower_case_text_keeps_it_out_of_auto_clear(analyzer: Any) -> None:
    text = "cormac had asked twice about the delivery window for the sofa"
    assert tier(text, analyzer) == "medium"
    assert tier("someone had asked twice about the delivery window for the sofa",
                analyzer) == "low"


@pytest.mark.parametrize(("text", "term"), [
    ("i am cambodian but i live in leeds now", "cambodian"),
    ("she's catholic so sunday deliveries are a problem", "catholic"),
])
def test_a_lower_case_nationality_after_i_am_is_nrp(text: str, term: str, analyzer: Any) -> None:
    assert found(text, analyzer).get(term) == "NRP"


def test_a_political_word_after_i_am_is_not_nrp(analyzer: Any) -> None:
    assert "NRP" not in found("i am conservative with my data plan", analyzer).values()


def test_a_word_rare_in_english_in_lower_case_text_keeps_it_out_of_auto_clear(
    analyzer: Any,
) -> None:
    assert tier("we loved the verses from brevashkova on the new album", analyzer) == "medium"
    assert tier("we loved the verses from the poet on the new album", analyzer) == "low"
    # with capitals the case cue decides, not the word list
    hints = NameGazetteer(proper_nouns=True).find("We loved the verses from brevashkova.")
    assert not any(s.pattern_name == "lowercase_name" for s in hints)
