"""Recognizer configuration: what the database stores for each rule-set version.

`RuleSetConfig.to_dict()` is the JSON kept in the RuleSet row; `from_dict()` validates it and
raises ValueError with a message that says what is wrong (never echoing record text).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from anonymizer.engine.learned import DIGEST_RE, MAX_WORDS, LearnedLists
from anonymizer.engine.risk import RiskThresholds

LABEL_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")


@dataclass(frozen=True, slots=True)
class IdType:
    """An organisation's identifier: ORD-123456 by prefix, or 'order 123456' by context word."""

    label: str
    prefixes: tuple[str, ...]
    context: tuple[str, ...]
    min_digits: int = 4
    score: float = 0.85


@dataclass(frozen=True, slots=True)
class PatternRule:
    """A custom regular expression. With context_required, it only counts when one of the
    context words occurs shortly before the match; otherwise a context word raises its score."""

    name: str
    label: str
    regex: str
    score: float = 0.6
    context: tuple[str, ...] = ()
    context_required: bool = False
    ignore_case: bool = False


@dataclass(frozen=True, slots=True)
class RuleSetConfig:
    version: int = 1
    id_types: tuple[IdType, ...] = ()
    patterns: tuple[PatternRule, ...] = ()
    deny_list: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    allow_list: tuple[str, ...] = ()
    ner_entities: tuple[str, ...] = ("PERSON", "LOCATION", "NRP", "ORGANIZATION", "DATE_TIME")
    ner_score: float = 0.85
    name_gazetteer: bool = True
    proper_nouns: bool = True  # other capitalised words as low-score PROPER_NOUN candidates
    context_window: int = 48
    context_boost: float = 0.3
    # A fine-tuned spaCy pipeline directory and the sha256 of its contents
    # (`modeldir.model_dir_sha256`); empty: the packaged model (analyzer.MODEL_NAME).
    ner_model_path: str = ""
    ner_model_sha256: str = ""
    # Risk thresholds this version was calibrated to (`manage.py calibrate_risk`): fields of
    # risk.RiskThresholds; those not named keep their defaults (or VEIL_RISK_THRESHOLDS).
    risk_thresholds: Mapping[str, Any] = field(default_factory=dict)
    # What reviewers taught, as keyed digests, never the strings (engine.learned): a digest
    # list to drop, digest lists per entity type to flag, the longest run of words to try,
    # and the id of the key that made them.
    learned_allow: tuple[str, ...] = ()
    learned_deny: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    learned_words: int = 0
    learned_key_id: str = ""
    # Implied identifiers (engine.quasi): phrases that single a person out without naming
    # them, typed QUASI_*, as a layer over the detections. Off in configurations written
    # before they existed, so those keep their digests and their output.
    implied_identifiers: bool = False

    @property
    def learned(self) -> LearnedLists:
        return LearnedLists(
            frozenset(self.learned_allow),
            {label: frozenset(v) for label, v in self.learned_deny.items()},
            self.learned_words,
            self.learned_key_id,
        )

    def with_learned(self, lists: LearnedLists) -> RuleSetConfig:
        return dataclasses.replace(
            self,
            learned_allow=tuple(sorted(lists.allow)),
            learned_deny={k: tuple(sorted(v)) for k, v in sorted(lists.deny.items()) if v},
            learned_words=lists.words if not lists.empty else 0,
            learned_key_id=lists.key_id if not lists.empty else "",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "id_types": [
                {
                    "label": t.label,
                    "prefixes": list(t.prefixes),
                    "context": list(t.context),
                    "min_digits": t.min_digits,
                    "score": t.score,
                }
                for t in self.id_types
            ],
            "patterns": [
                {
                    "name": p.name,
                    "label": p.label,
                    "regex": p.regex,
                    "score": p.score,
                    "context": list(p.context),
                    "context_required": p.context_required,
                    "ignore_case": p.ignore_case,
                }
                for p in self.patterns
            ],
            "deny_list": {label: list(terms) for label, terms in sorted(self.deny_list.items())},
            "allow_list": list(self.allow_list),
            "ner_entities": list(self.ner_entities),
            "ner_score": self.ner_score,
            "name_gazetteer": self.name_gazetteer,
            "proper_nouns": self.proper_nouns,
            "context_window": self.context_window,
            "context_boost": self.context_boost,
            "ner_model_path": self.ner_model_path,
            "ner_model_sha256": self.ner_model_sha256,
            "risk_thresholds": dict(self.risk_thresholds),
            **self._learned_dict(),
            **({"implied_identifiers": True} if self.implied_identifiers else {}),
        }

    def _learned_dict(self) -> dict[str, Any]:
        """The learned_* keys, only when there is something learned (older configurations,
        and their digests, stay as they were)."""
        if self.learned.empty:
            return {}
        return {
            "learned_allow": list(self.learned_allow),
            "learned_deny": {k: list(v) for k, v in sorted(self.learned_deny.items())},
            "learned_words": self.learned_words,
            "learned_key_id": self.learned_key_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSetConfig:
        if not isinstance(data, Mapping):
            raise ValueError("the rule set must be an object")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        defaults = cls()
        version = _int(data.get("version", 1), "version", minimum=1)
        return cls(
            version=version,
            id_types=tuple(
                _id_type(x, i) for i, x in enumerate(_list(data.get("id_types", []), "id_types"))
            ),
            patterns=tuple(
                _pattern(x, i) for i, x in enumerate(_list(data.get("patterns", []), "patterns"))
            ),
            deny_list=_deny_list(data.get("deny_list", {})),
            allow_list=_strings(data.get("allow_list", []), "allow_list"),
            ner_entities=tuple(
                _label(x, "ner_entities")
                for x in _strings(
                    data.get("ner_entities", list(defaults.ner_entities)), "ner_entities"
                )
            ),
            ner_score=_score(data.get("ner_score", defaults.ner_score), "ner_score"),
            name_gazetteer=_bool(data.get("name_gazetteer", True), "name_gazetteer"),
            proper_nouns=_bool(data.get("proper_nouns", True), "proper_nouns"),
            context_window=_int(data.get("context_window", 48), "context_window", minimum=0),
            context_boost=_score(data.get("context_boost", 0.3), "context_boost"),
            **_ner_model(data),
            risk_thresholds=_risk_thresholds(data.get("risk_thresholds", {})),
            **_learned(data),
            implied_identifiers=_bool(
                data.get("implied_identifiers", False), "implied_identifiers"
            ),
        )


def _risk_thresholds(value: Any) -> dict[str, Any]:
    """A partial RiskThresholds: known field names only, values it accepts."""
    if not isinstance(value, Mapping):
        raise ValueError("risk_thresholds must be an object")
    unknown = set(value) - set(RiskThresholds.__dataclass_fields__)
    if unknown:
        raise ValueError(f"risk_thresholds: unknown fields {', '.join(sorted(unknown))}")
    for name, number in value.items():
        if name != "high_context_codes" and (
            isinstance(number, bool) or not isinstance(number, int | float)
        ):
            raise ValueError(f"risk_thresholds.{name} must be a number")
    RiskThresholds(**value)
    return dict(value)


def _digests(value: Any, where: str) -> tuple[str, ...]:
    items = _list(value, where)
    if not all(isinstance(d, str) and DIGEST_RE.match(d) for d in items):
        raise ValueError(f"{where} must hold 32-hex-digit digests (learned lists keep no text)")
    return tuple(items)


def _learned(data: Mapping[str, Any]) -> dict[str, Any]:
    deny = data.get("learned_deny", {})
    if not isinstance(deny, Mapping):
        raise ValueError("learned_deny must be an object of entity type -> digests")
    key_id = data.get("learned_key_id", "")
    if not isinstance(key_id, str):
        raise ValueError("learned_key_id must be a string")
    return {
        "learned_allow": _digests(data.get("learned_allow", []), "learned_allow"),
        "learned_deny": {_label(label, "learned_deny"): _digests(v, f"learned_deny.{label}")
                         for label, v in deny.items()},
        "learned_words": _learned_words(data.get("learned_words", 0)),
        "learned_key_id": key_id,
    }


def _learned_words(value: Any) -> int:
    words = _int(value, "learned_words", minimum=0)
    if words > MAX_WORDS:
        raise ValueError(f"learned_words: at most {MAX_WORDS}")
    return words


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _ner_model(data: Mapping[str, Any]) -> dict[str, Any]:
    """ner_model_path and ner_model_sha256: both empty, or a path with its 64-hex digest."""
    path, digest = data.get("ner_model_path", ""), data.get("ner_model_sha256", "")
    if not isinstance(path, str) or not isinstance(digest, str):
        raise ValueError("ner_model_path and ner_model_sha256 must be strings")
    if path and not _SHA256.match(digest):
        raise ValueError("ner_model_path needs ner_model_sha256: 64 lower-case hex digits")
    if digest and not path:
        raise ValueError("ner_model_sha256 is set without ner_model_path")
    return {"ner_model_path": path, "ner_model_sha256": digest}


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = _list(value, where)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{where} must hold non-empty strings")
    return tuple(items)


def _int(value: Any, where: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{where} must be an integer of at least {minimum}")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{where} must be true or false")
    return value


def _score(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{where} must be a number between 0 and 1")
    return float(value)


def _label(value: Any, where: str) -> str:
    if not isinstance(value, str) or not LABEL_RE.match(value):
        raise ValueError(f"{where}: entity types are UPPER_CASE names like ORDER_ID")
    return value


def _obj(value: Any, where: str, required: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where} must be an object")
    missing = [k for k in required if k not in value]
    if missing:
        raise ValueError(f"{where} needs {', '.join(missing)}")
    return value


def _id_type(value: Any, i: int) -> IdType:
    where = f"id_types[{i}]"
    obj = _obj(value, where, ("label",))
    prefixes = _strings(obj.get("prefixes", []), f"{where}.prefixes")
    for p in prefixes:
        if not re.fullmatch(r"[A-Za-z]{1,12}", p):
            raise ValueError(f"{where}.prefixes: use 1-12 letters, like ORD or INV")
    context = _strings(obj.get("context", []), f"{where}.context")
    if not prefixes and not context:
        raise ValueError(f"{where} needs prefixes or context words")
    return IdType(
        label=_label(obj["label"], f"{where}.label"),
        prefixes=prefixes,
        context=context,
        min_digits=_int(obj.get("min_digits", 4), f"{where}.min_digits", minimum=1),
        score=_score(obj.get("score", 0.85), f"{where}.score"),
    )


def _pattern(value: Any, i: int) -> PatternRule:
    where = f"patterns[{i}]"
    obj = _obj(value, where, ("name", "label", "regex"))
    name = obj["name"]
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,80}", name):
        raise ValueError(f"{where}.name must be 1-80 letters, digits, _ . or -")
    regex = obj["regex"]
    if not isinstance(regex, str) or not regex:
        raise ValueError(f"{where}.regex must be a non-empty string")
    ignore_case = _bool(obj.get("ignore_case", False), f"{where}.ignore_case")
    try:
        compiled = re.compile(regex, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise ValueError(
            f"{where}.regex does not compile: {exc.msg} at position {exc.pos}"
        ) from None
    if compiled.match(""):
        raise ValueError(f"{where}.regex matches the empty string")
    context = _strings(obj.get("context", []), f"{where}.context")
    required = _bool(obj.get("context_required", False), f"{where}.context_required")
    if required and not context:
        raise ValueError(f"{where}: context_required needs context words")
    return PatternRule(
        name=name,
        label=_label(obj["label"], f"{where}.label"),
        regex=regex,
        score=_score(obj.get("score", 0.6), f"{where}.score"),
        context=context,
        context_required=required,
        ignore_case=ignore_case,
    )


def _deny_list(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise ValueError("deny_list must be an object of entity type -> terms")
    return {
        _label(label, "deny_list"): _strings(terms, f"deny_list.{label}")
        for label, terms in value.items()
    }


def default_ruleset_config() -> RuleSetConfig:
    """Version 1: the identifiers support data usually holds, and the implied identifiers
    (engine.quasi) that single a person out. Organisations edit their own."""
    return RuleSetConfig(
        version=1,
        id_types=(
            IdType("ORDER_ID", ("ORD", "ORDER", "PO", "SO"),
                   ("order", "order number", "order no", "order id", "purchase order")),
            IdType("TICKET_ID", ("TCK", "TKT", "TICKET", "CASE", "INC", "REQ", "SR"),
                   ("ticket", "case", "incident", "reference", "ref")),
            IdType("INVOICE_ID", ("INV", "INVOICE", "BILL"), ("invoice", "bill", "receipt")),
            IdType("ACCOUNT_ID", ("ACC", "ACCT", "ACCOUNT"),
                   ("account", "account number", "account no", "acct", "membership")),
            IdType("CUSTOMER_ID", ("CUST", "CUS", "CID", "CUSTOMER", "MEM"),
                   ("customer", "customer id", "customer number", "client id", "member id")),
        ),
        implied_identifiers=True,
    )
