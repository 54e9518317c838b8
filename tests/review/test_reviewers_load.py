"""benchmarks/reviewers.py: its checks find what they are there to find (a decision the client
saw but the database lacks, a record two reviewers held at once, a version that skipped), and a
short run of the real thing over HTTP reports none of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from review import services
from review.models import Decision
from tests.review.factories import detect, make_batch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _review_load_checks import (  # noqa: E402 - benchmarks/ is not a package
    double_leases_in_history,
    lost_decisions,
    overlapping_holds,
    version_gaps,
)

pytestmark = pytest.mark.django_db
TEXT = "Jane Roe ordered ORD-123456."


@pytest.fixture
def leased(admin_user: Any, reviewer: Any, make_user: Any) -> Any:
    other = make_user("rob_reviewer", "reviewer")
    batch = make_batch(admin_user, [reviewer, other], [TEXT], name="Load checks")
    detect(batch, [("high", [(0, 8, "PERSON", 0.6)])])
    item = services.queue_next(reviewer=reviewer)
    return batch, item, other


def planted(item: Any, actor: Any, action: str, version: int) -> Decision:
    """A decision written straight in, as a broken lease check would let through."""
    return Decision.objects.create(
        item=item, record_id=item.record_id, actor=actor, action=action, version=version
    )


def test_it_counts_a_decision_the_client_saw_but_the_database_lacks(
    leased: Any, reviewer: Any
) -> None:
    _, item, _ = leased
    done = services.spans_accept_all(actor=reviewer, item=item, version=item.version)
    seen = [(str(item.public_id), reviewer.username, "accept_all", done.version)]
    assert lost_decisions(seen) == 0
    assert lost_decisions([*seen, (str(item.public_id), reviewer.username, "submit", 2)]) == 1


def test_it_finds_a_record_two_reviewers_held_at_once(leased: Any, reviewer: Any) -> None:
    batch, item, other = leased
    planted(item, reviewer, "accept", 1)
    assert double_leases_in_history(batch) == set()
    planted(item, other, "accept", 2)  # while the first reviewer still holds it
    assert double_leases_in_history(batch) == {str(item.public_id)}


def test_a_record_taken_after_a_submit_is_no_double_lease(leased: Any, reviewer: Any) -> None:
    batch, item, other = leased
    planted(item, reviewer, "release", 1)
    planted(item, other, "accept", 2)
    assert double_leases_in_history(batch) == set()


def test_it_finds_overlapping_client_holds() -> None:
    apart = [("i1", "rita", 0.0, 1.0), ("i1", "rob", 1.5, 2.0)]
    assert overlapping_holds(apart) == set()
    assert overlapping_holds([*apart, ("i1", "uma", 0.5, 0.9)]) == {"i1"}


def test_it_finds_a_version_without_its_decision(leased: Any, reviewer: Any) -> None:
    batch, item, _ = leased
    services.spans_accept_all(actor=reviewer, item=item, version=item.version)
    assert version_gaps(batch) == 0
    type(item).objects.filter(pk=item.pk).update(version=5)
    assert version_gaps(batch) == 1


def test_a_short_run_over_http_loses_nothing_and_doubles_nothing() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    command = [sys.executable, "benchmarks/reviewers.py", "--duration", "6", "--reviewers", "4"]
    command += ["--records", "60", "--think-ms", "50", "--server", "runserver"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["decisions"] > 0 and figures["errors"] == 0
    assert figures["lost_decisions"] == 0 and figures["double_leases"] == 0
    assert figures["version_gaps"] == 0
    assert figures["action_p95_ms"] > 0
