"""Per-area rows of tests/test_urls.py's EXPECTED table (see its docstring), and the helpers
both use: ROLES, LOGIN and statuses()."""

from __future__ import annotations

ROLES = ("anonymous", "outsider", "reviewer", "officer", "admin")
LOGIN = 302  # anonymous users are sent to the login page


def statuses(
    anonymous: int, outsider: int, reviewer: int, officer: int, admin: int
) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, outsider, reviewer, officer, admin), strict=True))
