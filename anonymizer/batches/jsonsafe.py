"""One JSON Lines line as an object PostgreSQL can store, or the reason it cannot be.

`json.loads` accepts what the database refuses later, mid-import: the escape \\u0000 (text and
jsonb hold no NUL), lone surrogates such as \\ud800 (not characters, so not UTF-8), NaN and
numbers too large for a float, and nesting deep enough to exhaust the server's stack. Each is
refused here, before anything is written. Reasons quote none of the content.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_JSON_DEPTH = 64
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonRefused(ValueError):
    """Why a line cannot be imported, worded to follow "Line N"; it quotes no content."""


def load_json_object(line: str) -> dict[str, Any]:
    try:
        obj = json.loads(line, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise JsonRefused(f"is not valid JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise JsonRefused("is nested too deeply") from None
    except ValueError:  # NaN, Infinity, integers of more than 4,300 digits
        raise JsonRefused("holds a number that cannot be stored") from None
    if not isinstance(obj, dict):
        raise JsonRefused("must be a JSON object")
    _check_values(obj)
    return obj


def _refuse_constant(name: str) -> None:
    raise ValueError("NaN and Infinity are not JSON")


def _check_values(obj: dict[str, Any]) -> None:
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise JsonRefused(f"is nested more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(value, str):
            _check_string(value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise JsonRefused("holds a number that cannot be stored")
        elif isinstance(value, dict):
            for key in value:
                _check_string(key)
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _check_string(value: str) -> None:
    if "\x00" in value:
        raise JsonRefused(
            "holds the escape \\u0000 (a NUL character), which cannot be stored; remove it "
            "and upload the file again"
        )
    if not value.isascii() and _LONE_SURROGATE.search(value):
        raise JsonRefused(
            "holds a lone surrogate escape (\\ud800 to \\udfff without its pair), which is "
            "not a character and cannot be stored"
        )
