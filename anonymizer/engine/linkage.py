"""A linkage test: can an export be joined back to a known list of people?

An attacker who holds a CRM extract or a public list tries two things: join it to the release on
the columns both share (the quasi-identifiers: age, postcode, gender...), and look for the
list's direct identifiers (names, emails, phone numbers) in the released text. This module does
both, the way such an attacker would, and reports what they would get: how many released
records match exactly one person of the list, and which released records those are, by id.
It never returns a value of either table.

Generalized release cells are matched as an attacker would read them: a range "30-39" matches
any age in it, a masked prefix "LS1*" any value that starts with "LS1", a suppressed cell
("*", empty) matches nothing in particular (so it matches everyone: it does not narrow the
join). Comparison ignores case and white space.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

_RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[-–]\s*(-?\d+(?:\.\d+)?)\s*$")
_SUPPRESSED = frozenset({"", "*", "**", "***", "null", "none", "[redacted]"})
MIN_IDENTIFIER_CHARS = 4  # shorter list values ("Al", "7") would match by chance


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).casefold() if value is not None else ""


def cell_matches(released: Any, known: Any) -> bool:
    """Whether a released cell is consistent with a known value (see the module's text)."""
    r, k = _norm(released), _norm(known)
    if r in _SUPPRESSED:
        return True
    if r == k:
        return True
    m = _RANGE.match(r)
    if m:
        try:
            x = float(k)
        except ValueError:
            return False
        return float(m.group(1)) <= x <= float(m.group(2))
    if r.endswith("*"):
        prefix = r.rstrip("*").replace(" ", "")
        return bool(prefix) and k.replace(" ", "").startswith(prefix)
    return False


@dataclass
class LinkageResult:
    external_rows: int
    released_records: int
    columns: list[str]
    # released records consistent with exactly one external row, by record id
    unique_matches: list[str] = field(default_factory=list)
    # external rows that match exactly one released record (the attacker's re-identifications)
    reidentified_rows: int = 0
    # released records whose text holds a direct identifier of the list, by record id
    text_hits: list[str] = field(default_factory=list)
    text_hit_columns: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """No released record is singled out by the join nor named in the text."""
        return not self.unique_matches and not self.text_hits and not self.reidentified_rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "external_rows": self.external_rows,
            "released_records": self.released_records,
            "columns": self.columns,
            "unique_matches": len(self.unique_matches),
            "unique_match_record_ids": self.unique_matches,
            "reidentified_rows": self.reidentified_rows,
            "text_hits": len(self.text_hits),
            "text_hit_record_ids": self.text_hits,
            "text_hit_columns": self.text_hit_columns,
            "passed": self.passed,
        }


def join_test(
    external: Sequence[Mapping[str, Any]],
    released: Sequence[tuple[str, Mapping[str, Any]]],
    shared: Mapping[str, str],
) -> tuple[list[str], int]:
    """`shared` maps an external column to the released column it corresponds to. Returns
    the ids of released records in a one-to-one link (the record is consistent with exactly
    one external row, and that row with no other record), and the number of external rows
    consistent with exactly one released record (re-identified, if the person is in the
    release). Exact cells are looked up in a per-column index; generalized ones are checked
    against the candidates the exact cells leave."""
    if not shared:
        return [], 0
    pairs = list(shared.items())
    index: dict[str, dict[str, set[int]]] = {col: defaultdict(set) for col, _ in pairs}
    for i, row in enumerate(external):
        for col, _ in pairs:
            index[col][_norm(row.get(col))].add(i)
    everyone = set(range(len(external)))
    rows_of_record: dict[str, set[int]] = {}
    records_of_row: dict[int, int] = defaultdict(int)
    for record_id, cells in released:
        if all(_norm(cells.get(rel)) in _SUPPRESSED for _, rel in pairs):
            continue  # nothing to join on: such a record narrows no one down, nor hides anyone
        candidates: set[int] | None = None
        loose = []
        for col, rel in pairs:
            value = _norm(cells.get(rel))
            if _is_exact(value):
                found = index[col].get(value, set())
                candidates = found if candidates is None else candidates & found
            else:
                loose.append((col, rel))
        pool = everyone if candidates is None else candidates
        hits = {i for i in pool
                if all(cell_matches(cells.get(rel), external[i].get(col)) for col, rel in loose)}
        rows_of_record[record_id] = hits
        for i in hits:
            records_of_row[i] += 1
    unique = sorted(r for r, rows in rows_of_record.items()
                    if len(rows) == 1 and records_of_row[next(iter(rows))] == 1)
    reidentified = sum(1 for n in records_of_row.values() if n == 1)
    return unique, reidentified


def _is_exact(value: str) -> bool:
    return value not in _SUPPRESSED and not value.endswith("*") and not _RANGE.match(value)


def text_test(
    external: Sequence[Mapping[str, Any]],
    texts: Sequence[tuple[str, str]],
    identifier_columns: Sequence[str],
) -> tuple[list[str], dict[str, int]]:
    """Ids of released records whose text contains, as a whole word run, a value of one of
    the external table's direct-identifier columns; and hits per column. One pass of an
    Aho-Corasick automaton over each text."""
    automaton = ahocorasick.Automaton()
    for column in identifier_columns:
        for row in external:
            value = _norm(row.get(column))
            if len(value) >= MIN_IDENTIFIER_CHARS:
                automaton.add_word(value, (column, len(value)))
    if len(automaton) == 0:
        return [], {}
    automaton.make_automaton()
    hits: list[str] = []
    per_column: dict[str, int] = defaultdict(int)
    for record_id, text in texts:
        folded = " ".join(text.split()).casefold()
        found = set()
        for end, (column, length) in automaton.iter(folded):
            start = end - length + 1
            before = folded[start - 1] if start > 0 else " "
            after = folded[end + 1] if end + 1 < len(folded) else " "
            if not before.isalnum() and not after.isalnum():
                found.add(column)
        if found:
            hits.append(record_id)
            for column in found:
                per_column[column] += 1
    return sorted(hits), dict(per_column)


def linkage_test(
    external: Sequence[Mapping[str, Any]],
    released: Sequence[tuple[str, Mapping[str, Any], str]],
    shared: Mapping[str, str],
    identifier_columns: Sequence[str],
) -> LinkageResult:
    """`released` holds (record id, released cells, released text) per record."""
    unique, reidentified = join_test(external, [(r, cells) for r, cells, _ in released], shared)
    text_hits, per_column = text_test(external, [(r, t) for r, _, t in released],
                                      identifier_columns)
    return LinkageResult(
        external_rows=len(external), released_records=len(released),
        columns=sorted(shared), unique_matches=unique, reidentified_rows=reidentified,
        text_hits=text_hits, text_hit_columns=per_column,
    )
