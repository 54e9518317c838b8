"""Cells of CSV files people open in spreadsheets (exports, the audit trail's download)."""

from __future__ import annotations

import json
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> str:
    """A spreadsheet must not run a cell as a formula."""
    text = "" if value is None else (value if isinstance(value, str) else json.dumps(value))
    return "'" + text if text.startswith(FORMULA_START) else text
