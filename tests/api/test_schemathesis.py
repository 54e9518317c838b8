"""Schemathesis against the live test server: every operation of /api/schema/, with data in
place (a detected batch, its records, a leased review item, a finished export, a pipeline
whose inbox takes the generated files), called with
a token of all scopes by an admin, an officer and an assigned reviewer. Each answer must be
no server error, conform to its documented schema, status code and content type.

Generated ids (random UUIDs) reach the 404 paths; the real ids reach the data. The number of
operations checked is printed (run with -s to see it) and asserted."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from anonymizer.batches import services as batches
from anonymizer.exports import services as exports
from anonymizer.models import ApiToken
from anonymizer.pipelines import services as pipelines
from anonymizer.policies.selectors import default_policy
from review.services import queue_next

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
# (role, mode, examples): valid requests by each role, invalid ones by the admin.
RUNS = [("admin", POSITIVE, 12), ("officer", POSITIVE, 4), ("reviewer", POSITIVE, 4),
        ("admin", NEGATIVE, 6)]
EXPECTED_OPERATIONS = 20


def key_of(user: Any) -> str:
    return batches.api_token_create(user=user, name="fuzz", scopes=ApiToken.Scope.values)[1]


@pytest.fixture
def world(detected: Any, admin_user: Any, officer: Any, reviewer: Any, settings: Any,
          tmp_path: Any) -> dict[str, Any]:
    settings.VEIL_EXPORT_DIR = tmp_path
    settings.VEIL_PIPELINE_ROOTS = [str(tmp_path)]
    settings.VEIL_DETECT_ON_IMPORT = False
    pipeline = pipelines.pipeline_create(
        actor=admin_user, name="fuzzed", source_dir=str(tmp_path / "inbox"), source_format="csv",
        text_columns=["body"], data_class="internal", purpose="theme_analysis",
        policy_name="default",
    )
    export = exports.run_export(
        exports.export_start(
            actor=admin_user, batch=detected, policy=default_policy(), enqueue=False
        ).pk
    )
    item = queue_next(reviewer=reviewer)
    assert item is not None and export.status == "done"
    ids = {
        "public_id": None,  # by operation below: a batch, an export, a policy or an item
        "position": 1,
        "name": "manifest.json",
        "version": 1,
    }
    return {
        "keys": {"admin": key_of(admin_user), "officer": key_of(officer),
                 "reviewer": key_of(reviewer)},
        "ids": ids,
        "by_prefix": {
            "/api/batches/": str(detected.public_id),
            "/api/exports/": str(export.public_id),
            "/api/policies/": str(default_policy().public_id),
            "/api/review/items/": str(item.public_id),
            "/api/pipelines/": str(pipeline.public_id),
        },
    }


def real_parameters(operation: Any, world: dict[str, Any]) -> dict[str, Any] | None:
    names = [p.name for p in operation.path_parameters]
    if not names:
        return None
    found = dict(world["ids"])
    for prefix, value in world["by_prefix"].items():
        if operation.path.startswith(prefix):
            found["public_id"] = value
    return {name: found[name] for name in names if found.get(name) is not None}


def exercise(
    operation: Any, params: dict[str, Any] | None, key: str, url: str, n: int, mode: Any
) -> None:
    kwargs = {"path_parameters": params} if params else {}
    strategy = operation.as_strategy(generation_mode=mode, **kwargs)

    @settings(
        max_examples=n, deadline=None, database=None, derandomize=True,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        case.call_and_validate(
            base_url=url, headers={"Authorization": f"Bearer {key}"}, checks=CHECKS, timeout=30
        )

    run()


def test_every_operation_conforms_to_the_schema(live_server: Any, world: dict[str, Any]) -> None:
    admin = world["keys"]["admin"]
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/", headers={"Authorization": f"Bearer {admin}"}
    )
    failures: list[str] = []
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        for role, mode, n in RUNS:
            key = world["keys"][role]
            for params in {None} | ({"real"} if operation.path_parameters else set()):
                real = real_parameters(operation, world) if params else None
                try:
                    exercise(operation, real, key, live_server.url, n, mode)
                except Exception as exc:  # collected: every operation is tried
                    failures.append(f"{operation.label} as {role} ({mode.value}): {exc}")
    print(f"\nschemathesis: {len(labels)} operations checked")
    for label in labels:
        print(f"  {label}")
    assert not failures, "\n\n".join(failures)
    assert len(labels) == EXPECTED_OPERATIONS
