"""Learned allow and deny lists, kept as keyed digests instead of the customer strings.

Reviewers who keep rejecting "Acme Basic" or keep adding "Wilhelmina Okafor" teach the rule set
two lists. Written as plain strings they would copy customer text into rule-set configuration,
which is shown on the rule-set page and kept for every version. Here each learned string is a
keyed BLAKE2b digest of its normalised form (case folded, whitespace collapsed): matching needs
the key, the configuration alone reveals nothing, and erasing a person means removing the
digests of their strings (`without`).

- allow: a detection inside a run of words whose digest is on the allow list is dropped
  (`allowed_ranges`);
- deny: every run of 1 to `words` words in a text whose digest is on a label's deny list is a
  detection of that label (`deny_hits`).

The key comes from the application (`use_key_provider`, set when Django starts); the
configuration names the key it was made with (`key_id`), and a rule set made with another
key is refused rather than silently matching nothing. Officer-written allow and deny lists stay
plain configuration (`RuleSetConfig.allow_list`, `deny_list`): they are product names and
terms, not customer data.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_learned"
SCORE = 0.95
DIGEST_BYTES = 16
MAX_WORDS = 6  # longer learned strings are not kept
DIGEST_RE = re.compile(r"^[0-9a-f]{32}$")
_WORD = re.compile(r"[^\W_][\w'’.@-]*")

_provider: Callable[[], bytes] | None = None


class LearnedKeyError(ValueError):
    """The learned lists need a key that is not there, or were made with another key."""


def use_key_provider(provider: Callable[[], bytes]) -> None:
    """Where the key comes from (called once when the application starts)."""
    global _provider
    _provider = provider


def key() -> bytes:
    if _provider is None:
        raise LearnedKeyError("No key for learned lists: the application sets one at start.")
    return _provider()


def key_id(secret: bytes) -> str:
    """A short public name of the key, stored beside the digests it made."""
    return hashlib.blake2b(b"veil-learned-key-id", key=secret[:64], digest_size=6).hexdigest()


def normalise(value: str) -> str:
    return " ".join(value.casefold().split())


def digest(value: str, secret: bytes) -> str:
    return hashlib.blake2b(
        normalise(value).encode("utf-8"), key=secret[:64], digest_size=DIGEST_BYTES
    ).hexdigest()


def word_count(value: str) -> int:
    return len(_WORD.findall(value))


@dataclass(frozen=True, slots=True)
class LearnedLists:
    """The digests of one rule-set version."""

    allow: frozenset[str]
    deny: Mapping[str, frozenset[str]]
    words: int
    key_id: str

    @property
    def empty(self) -> bool:
        return not self.allow and not any(self.deny.values())

    def counts(self) -> dict[str, object]:
        return {"allow": len(self.allow),
                "deny": {label: len(v) for label, v in sorted(self.deny.items()) if v}}


class LearnedMatcher:
    """Matching against one rule set's learned digests with the application's key."""

    def __init__(self, lists: LearnedLists, secret: bytes) -> None:
        if lists.key_id and lists.key_id != key_id(secret):
            raise LearnedKeyError(
                "This rule set's learned lists were made with another key; rebuild them "
                "from the review decisions (a retraining round) or restore the key."
            )
        self.lists = lists
        self.secret = secret
        self.label_of = {d: label for label, ds in lists.deny.items() for d in ds}
        self._last: tuple[str | None, list[tuple[int, int]], list[SpanCandidate]] = (
            None, [], [])

    def allowed_ranges(self, text: str) -> list[tuple[int, int]]:
        """Where learned-allow strings occur in `text`: detections inside them are dropped."""
        return self._scan(text)[0]

    def deny_hits(self, text: str) -> list[SpanCandidate]:
        return self._scan(text)[1]

    def _scan(self, text: str) -> tuple[list[tuple[int, int]], list[SpanCandidate]]:
        """The allowed ranges and deny hits of `text`, from one pass over its runs of words;
        kept for the text last asked about (the rule pass asks for both, then once per span)."""
        cached = self._last
        if cached[0] is not text:
            allowed, hits = [], []
            for a, b, d in self._runs(text):
                if d in self.lists.allow:
                    allowed.append((a, b))
                label = self.label_of.get(d)
                if label is not None:
                    hits.append(SpanCandidate(a, b, label, SCORE, RECOGNIZER, "learned_deny"))
            cached = (text, allowed, hits)
            self._last = cached
        return cached[1], cached[2]

    def _runs(self, text: str) -> list[tuple[int, int, str]]:
        """Every run of 1 to `words` words of `text`, with its digest."""
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        longest = max(1, self.lists.words)
        runs = []
        for i in range(len(words)):
            for j in range(i, min(len(words), i + longest)):
                start, end = words[i][0], _trim(text, words[i][0], words[j][1])
                runs.append((start, end, digest(text[start:end], self.secret)))
        return runs


def _trim(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in ".-'’":
        end -= 1
    return end


def make_digests(values: Iterable[str], secret: bytes) -> set[str]:
    """Digests of the learned strings of at most MAX_WORDS words."""
    return {digest(v, secret) for v in values if 0 < word_count(v) <= MAX_WORDS}


def without(lists: LearnedLists, values: Iterable[str], secret: bytes) -> tuple[LearnedLists, int]:
    """The lists with the digests of `values` removed (erasure), and how many were removed."""
    gone = {digest(v, secret) for v in values}
    allow = lists.allow - gone
    deny = {label: ds - gone for label, ds in lists.deny.items()}
    removed = len(lists.allow) - len(allow) + sum(
        len(ds) - len(deny[label]) for label, ds in lists.deny.items()
    )
    return LearnedLists(allow, {k: v for k, v in deny.items() if v}, lists.words,
                        lists.key_id), removed


def summary(base: LearnedLists, candidate: LearnedLists) -> dict[str, object]:
    """What a candidate adds to and removes from its base, as counts: for the officer."""
    labels = sorted(set(base.deny) | set(candidate.deny))
    deny_added = {lab: len(candidate.deny.get(lab, frozenset()) - base.deny.get(lab, frozenset()))
                  for lab in labels}
    deny_removed = {lab: len(base.deny.get(lab, frozenset()) - candidate.deny.get(lab, frozenset()))
                    for lab in labels}
    return {
        "allow_added": len(candidate.allow - base.allow),
        "allow_removed": len(base.allow - candidate.allow),
        "deny_added": {k: n for k, n in deny_added.items() if n},
        "deny_removed": {k: n for k, n in deny_removed.items() if n},
    }
