"""Learned allow and deny lists are keyed digests: matching works with the key, the
configuration holds no customer string, a foreign key is refused, and erasure removes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from anonymizer.engine import learned
from anonymizer.engine.analyzer import build_analyzer, detect
from anonymizer.engine.learned import LearnedKeyError, LearnedLists, LearnedMatcher
from anonymizer.engine.ruleset import RuleSetConfig, default_ruleset_config

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


@pytest.fixture
def learned_key() -> Iterator[bytes]:
    before = learned._provider
    learned.use_key_provider(lambda: KEY)
    yield KEY
    learned._provider = before


def lists(allow: list[str], deny: dict[str, list[str]], secret: bytes = KEY) -> LearnedLists:
    words = max((learned.word_count(v) for vs in deny.values() for v in vs), default=0)
    return LearnedLists(
        frozenset(learned.make_digests(allow, secret)),
        {label: frozenset(learned.make_digests(vs, secret)) for label, vs in deny.items()},
        words, learned.key_id(secret))


def config_with(ls: LearnedLists) -> RuleSetConfig:
    return default_ruleset_config().with_learned(ls)


def test_the_configuration_holds_digests_not_strings() -> None:
    config = config_with(lists(["Acme Basic"], {"PERSON": ["Wilhelmina Okafor"]}))
    stored = json.dumps(config.to_dict())
    assert "Wilhelmina" not in stored and "Acme" not in stored
    assert RuleSetConfig.from_dict(config.to_dict()) == config  # round trip
    assert len(config.learned_deny["PERSON"]) == 1 and config.learned_words == 2


def test_plain_text_in_a_learned_list_is_refused() -> None:
    data = {**default_ruleset_config().to_dict(), "learned_deny": {"PERSON": ["Wilhelmina"]}}
    with pytest.raises(ValueError, match="digests"):
        RuleSetConfig.from_dict(data)


def test_deny_digests_flag_the_string_and_allow_digests_drop_it(learned_key: bytes) -> None:
    config = config_with(lists(["blue heron"], {"PROJECT": ["tansy  grove"]}))
    analyzer = build_analyzer(config)
    text = "Maria Lopez asked us to move Blue Heron and Tansy Grove to the new server."
    spans = {(text[s.start:s.end], s.label) for s in detect(text, analyzer=analyzer)}
    assert ("Tansy Grove", "PROJECT") in spans
    assert not any("Heron" in value for value, _ in spans)
    plain = {(text[s.start:s.end], s.label) for s in detect(text, analyzer=build_analyzer(
        default_ruleset_config()))}
    assert ("Blue Heron", "ORGANIZATION") in plain and ("Tansy Grove", "PROJECT") not in plain


def test_lists_made_with_another_key_are_refused() -> None:
    with pytest.raises(LearnedKeyError, match="another key"):
        LearnedMatcher(lists([], {"PERSON": ["Wilhelmina Okafor"]}, OTHER_KEY), KEY)


def test_erasure_removes_a_persons_digests_and_the_summary_counts() -> None:
    base = lists(["Acme Basic"], {"PERSON": ["Ada Quist"]})
    grown = lists(["Acme Basic", "Gold Plan"], {"PERSON": ["Ada Quist", "Wilhelmina Okafor"],
                                                "LOCATION": ["Tansy Grove"]})
    assert learned.summary(base, grown) == {
        "allow_added": 1, "allow_removed": 0,
        "deny_added": {"LOCATION": 1, "PERSON": 1}, "deny_removed": {},
    }
    erased, removed = learned.without(grown, ["wilhelmina  OKAFOR"], KEY)
    assert removed == 1
    assert not LearnedMatcher(erased, KEY).deny_hits("Wilhelmina Okafor called.")
    assert LearnedMatcher(grown, KEY).deny_hits("Wilhelmina Okafor called.")
