"""Transformations: (text, spans, policy, key) -> transformed text and what was changed.

Pure functions, no Django. Overlapping spans are resolved once (union, strongest type), then
each span is replaced by its operator's output. Pseudonyms are keyed: HMAC-SHA256 with the
linkage domain's secret, so one customer gets one token across records and batches of that
domain and tokens of different domains cannot be linked.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter, methodcaller
from typing import Any, NamedTuple, Protocol

from anonymizer.engine.labels import IMPLIED_PREFIX, strength
from anonymizer.engine.layers import IMPLIED_GENERAL, IMPLIED_TAGS, implied_ranges
from anonymizer.engine.surrogates import GRANULARITIES, SURROGATE_TYPES, surrogate
from anonymizer.engine.types import Span as Span  # re-exported: callers build spans to transform

OPERATORS = ("redact", "replace", "mask", "pseudonymize", "surrogate", "generalize", "keep")

# Type labels used by the replace operator; other types use "[TYPE]".
REPLACE_TAGS: dict[str, str] = {
    "PERSON": "[CUSTOMER_NAME]",
    "EMAIL_ADDRESS": "[EMAIL]",
    "PHONE_NUMBER": "[PHONE]",
    "STREET_ADDRESS": "[ADDRESS]",
    "LOCATION": "[LOCATION]",
    "POSTCODE": "[POSTCODE]",
    "CREDIT_CARD": "[CARD_NUMBER]",
    "IBAN_CODE": "[IBAN]",
    "US_SSN": "[SSN]",
    "IP_ADDRESS": "[IP_ADDRESS]",
    "DATE_OF_BIRTH": "[DATE_OF_BIRTH]",
    "DATE_TIME": "[DATE]",
    **IMPLIED_TAGS,
}


class SpanLike(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def label(self) -> str: ...


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    operator: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            choices = ", ".join(OPERATORS)
            raise ValueError(f"unknown operator {self.operator!r}; use one of {choices}")


REDACT = OperatorSpec("redact")


@dataclass(frozen=True, slots=True)
class PolicySpec:
    """Operator per entity type. A type the policy does not name gets `default` (redact)."""

    rules: Mapping[str, OperatorSpec]
    default: OperatorSpec = REDACT

    def operator_for(self, label: str) -> OperatorSpec:
        return self.rules.get(label, self.default)


class Change(NamedTuple):
    """One replaced span (a named tuple: a transform makes one per span, by the million in an
    export, and a tuple is made several times faster than a frozen dataclass)."""

    start: int  # offsets in the original text
    end: int
    new_start: int  # offsets in the transformed text
    new_end: int
    label: str
    operator: str


@dataclass(frozen=True, slots=True)
class TransformResult:
    text: str
    changes: tuple[Change, ...]


Range = tuple[int, int, str]  # (start, end, label): a span as plain values, for bulk work


def resolve_overlaps(spans: Sequence[SpanLike], text_length: int) -> list[Span]:
    """One span per connected overlap group: the union of its ranges, the strongest type."""
    ranges = resolve_ranges([(s.start, s.end, s.label) for s in spans], text_length)
    return [Span(start, end, label) for start, end, label in ranges]


def resolve_ranges(ranges: Sequence[Range], text_length: int) -> list[Range]:
    """resolve_overlaps on plain (start, end, label) values. Ranges already in text order,
    apart and inside the text (the common case: detections are merged before storage) are
    returned as they are."""
    previous_end = 0
    for start, end, _ in ranges:
        if start < previous_end or end <= start or end > text_length:
            break
        previous_end = end
    else:
        return list(ranges)
    ordered = sorted(  # by the clipped range, as each range is clipped to the text below
        ranges, key=lambda r: (max(0, r[0]), -min(text_length, r[1]))
    )
    out: list[Range] = []
    for start, end, label in ordered:
        start, end = max(0, start), min(text_length, end)
        if end <= start:
            continue
        if out and start < out[-1][1]:
            last_start, last_end, last_label = out[-1]
            out[-1] = (last_start, max(last_end, end), max((last_label, label), key=strength))
        else:
            out.append((start, end, label))
    return out


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 base32
_B32_PAIRS = tuple(a + b for a in _B32 for b in _B32)  # 10 bits -> their two characters


def pseudonym(value: str, label: str, key: bytes) -> str:
    """A stable token for `value` under the linkage domain's key: LABEL_XXXXXXXXXX (the first
    12 base32 characters of the HMAC-SHA256: its first 60 bits, as base64.b32encode writes
    them, looked up ten bits at a time)."""
    normalised = " ".join(value.split()).casefold()
    digest = hmac.digest(key, f"{label}\x1f{normalised}".encode(), "sha256")
    bits, pairs = int.from_bytes(digest[:8], "big") >> 4, _B32_PAIRS
    code = (
        pairs[bits >> 50] + pairs[bits >> 40 & 1023] + pairs[bits >> 30 & 1023]
        + pairs[bits >> 20 & 1023] + pairs[bits >> 10 & 1023] + pairs[bits & 1023]
    )
    prefix = _PREFIXES.get(label)
    if prefix is None:
        prefix = _PREFIXES[label] = REPLACE_TAGS.get(label, f"[{label}]").strip("[]") + "_"
    return prefix + code


_PREFIXES: dict[str, str] = {}  # label -> what its pseudonyms start with (pseudonym)
_ALNUM = re.compile(r"[^\W_]")  # what str.isalnum() accepts (\w is that and "_")
Memo = dict[tuple[str, str], str]  # (label, value) -> pseudonym, for one run under one key


def apply_operator(
    value: str, label: str, spec: OperatorSpec, key: bytes, memo: Memo | None = None,
    subject: str = "",
) -> str:
    """`memo` keeps the pseudonyms made under `key` (an export makes the same ones often); it
    must only ever be used with that one key. `subject`: whose dates a surrogate shifts by one
    keyed offset (engine.surrogates)."""
    op, p = spec.operator, spec.params
    if op == "surrogate":
        return surrogate(value, label, key, p, subject) or type_tag(label)
    if op == "pseudonymize":
        if memo is None:
            return pseudonym(value, label, key)
        token = memo.get((label, value))
        if token is None:
            token = memo[(label, value)] = pseudonym(value, label, key)
        return token
    if op == "keep":
        return value
    if op == "redact":
        return ""
    if op == "replace":
        return str(p.get("label") or REPLACE_TAGS.get(label, f"[{label}]"))
    if op == "mask":
        keep_last = int(p.get("keep_last", 4))
        char = str(p.get("char", "*"))[:1] or "*"
        visible = value[-keep_last:] if 0 < keep_last < len(value) else ""
        hidden = value[: len(value) - len(visible)]
        return _ALNUM.sub(char.replace("\\", "\\\\"), hidden) + visible
    return generalize(value, label, p)


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("m", "d", "y")),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), ("d", "m", "y")),
)
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


def _parse_date(value: str) -> date | None:
    for pattern, order in _DATE_PATTERNS:
        m = pattern.match(value.strip())
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def generalize(value: str, label: str, params: Mapping[str, Any]) -> str:
    """Dates to month / quarter / year, ages and numbers to bands, postcodes to a prefix.

    Anything that cannot be generalised safely is replaced by its type label: never kept, not
    even when the level asked for is the value's own (a bare year "generalized" to its year).
    """
    coarser = _generalized(value, label, params)
    return coarser if coarser is not None and coarser != value.strip() else type_tag(label)


def type_tag(label: str) -> str:
    """What replace writes for a type (and generalize, for what it cannot generalize)."""
    return REPLACE_TAGS.get(label, f"[{label}]")


def _generalized(value: str, label: str, params: Mapping[str, Any]) -> str | None:
    if label in IMPLIED_GENERAL:
        return IMPLIED_GENERAL[label]
    if label in ("DATE_TIME", "DATE_OF_BIRTH"):
        level = str(params.get("level", "year"))
        parsed = _parse_date(value)
        if parsed is not None:
            if level == "month":
                return f"{parsed.year}-{parsed.month:02d}"
            if level == "quarter":
                return f"{parsed.year}-Q{(parsed.month - 1) // 3 + 1}"
            return str(parsed.year)
        year = _YEAR.search(value)
        if year and level == "year":
            return year.group()
    elif label in ("AGE", "NUMBER"):
        digits = re.sub(r"\D", "", value)
        if digits:
            band = max(1, int(params.get("band", 10)))
            low = int(digits) // band * band
            return f"{low}-{low + band - 1}"
    elif label == "POSTCODE":
        keep = max(0, int(params.get("keep", 2)))
        compact = value.replace(" ", "")
        if 0 < keep < len(compact):
            return compact[:keep] + "*" * (len(compact) - keep)
    return None


def transform(
    text: str,
    spans: Sequence[SpanLike],
    policy: PolicySpec,
    key: bytes,
    memo: Memo | None = None,
    subject: str = "",
) -> TransformResult:
    """Each span (overlaps resolved) replaced by its operator's output; `memo` and `subject`
    as for apply_operator."""
    return transform_ranges(
        text, [(s.start, s.end, s.label) for s in spans], policy, key, memo, subject
    )


def transform_ranges(
    text: str,
    ranges: Sequence[Range],
    policy: PolicySpec,
    key: bytes,
    memo: Memo | None = None,
    subject: str = "",
) -> TransformResult:
    """transform on plain (start, end, label) values. Implied-identifier phrases meet the
    policy first (engine.layers): kept ones vanish, transformed ones take what they hold."""
    pieces: list[str] = []
    changes: list[Change] = []
    rules, default = policy.rules, policy.default
    if any(map(_IS_IMPLIED, map(_LABEL_OF, ranges))):
        ranges = implied_ranges(ranges, lambda label: rules.get(label, default).operator)
    cursor, out_len, append, change = 0, 0, pieces.append, changes.append
    for start, end, label in resolve_ranges(ranges, len(text)):
        if start > cursor:
            append(text[cursor:start])
            out_len += start - cursor
        spec = rules.get(label, default)
        replacement = apply_operator(text[start:end], label, spec, key, memo, subject)
        append(replacement)
        new_end = out_len + len(replacement)
        change(_new_tuple(Change, (start, end, out_len, new_end, label, spec.operator)))
        out_len, cursor = new_end, end
    append(text[cursor:])
    return TransformResult(text="".join(pieces), changes=tuple(changes))


# A range's label, labels.is_implied, and a Change as its __new__ makes it, as C calls.
_LABEL_OF, _IS_IMPLIED, _new_tuple = (
    itemgetter(2), methodcaller("startswith", IMPLIED_PREFIX), tuple.__new__)


def policy_from_dict(data: Mapping[str, Any]) -> PolicySpec:
    """{"rules": {TYPE: {"operator": ..., "params": {...}}}, "default": {...}} -> PolicySpec."""
    rules_raw = data.get("rules", {})
    if not isinstance(rules_raw, Mapping):
        raise ValueError("rules must be an object of entity type -> operator")
    rules = {str(k): _spec(v, f"rules.{k}") for k, v in rules_raw.items()}
    default = _spec(data.get("default", {"operator": "redact"}), "default")
    return PolicySpec(rules=rules, default=default)


# The parameters each operator reads, and generalize's per type; anything else is a typo or a
# rule that cannot apply, refused where a policy is saved (rule_problem).
OPERATOR_PARAMS: dict[str, frozenset[str]] = {
    "redact": frozenset(),
    "replace": frozenset({"label"}),
    "mask": frozenset({"keep_last", "char"}),
    "pseudonymize": frozenset(),
    "surrogate": frozenset({"granularity", "day_first", "subject_column"}),
    "generalize": frozenset(),
    "keep": frozenset(),
}
GENERALIZE_PARAMS: dict[str, frozenset[str]] = {
    "DATE_TIME": frozenset({"level"}),
    "DATE_OF_BIRTH": frozenset({"level"}),
    "AGE": frozenset({"band"}),
    "NUMBER": frozenset({"band"}),
    "POSTCODE": frozenset({"keep"}),
    **{label: frozenset() for label in IMPLIED_GENERAL},
}
DATE_LEVELS = ("month", "quarter", "year")


def rule_problem(spec: OperatorSpec, label: str, *, extra: frozenset[str] = frozenset()) -> str:
    """Why `spec` cannot apply to values of type `label` ("" if it can): unknown parameters,
    bad values, generalize on a type it does not generalize."""
    allowed = OPERATOR_PARAMS[spec.operator] | extra
    if spec.operator == "surrogate" and label not in SURROGATE_TYPES and label != "*":
        return (f"surrogate makes realistic values of names, contacts, numbers, places and "
                f"dates, not {label}")
    if spec.operator == "generalize":
        if label not in GENERALIZE_PARAMS:
            kinds = ", ".join(sorted(GENERALIZE_PARAMS))
            return f"generalize works on {kinds}, not {label}"
        allowed |= GENERALIZE_PARAMS[label]
    unknown = sorted(set(spec.params) - allowed)
    if unknown:
        return f"{spec.operator} takes no parameter {', '.join(unknown)}"
    return _param_problem(spec.params)


def _param_problem(params: Mapping[str, Any]) -> str:
    if "granularity" in params and params["granularity"] not in GRANULARITIES:
        return f"granularity is one of {', '.join(GRANULARITIES)}"
    if "day_first" in params and not isinstance(params["day_first"], bool):
        return "day_first is true or false"
    if "level" in params and params["level"] not in DATE_LEVELS:
        return f"level is one of {', '.join(DATE_LEVELS)}"
    for name, least in (("band", 2), ("keep", 1), ("keep_last", 0)):
        value = params.get(name, least)
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            return f"{name} is a whole number of at least {least}"
    for name in ("label", "char", "entity_type", "subject_column"):
        if name in params and not (isinstance(params[name], str) and params[name]):
            return f"{name} is a non-empty text"
    return ""


def _spec(value: Any, where: str) -> OperatorSpec:
    if isinstance(value, str):
        value = {"operator": value}
    if not isinstance(value, Mapping) or "operator" not in value:
        raise ValueError(f"{where} needs an operator")
    params = value.get("params", {})
    if not isinstance(params, Mapping):
        raise ValueError(f"{where}.params must be an object")
    try:
        return OperatorSpec(str(value["operator"]), dict(params))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
