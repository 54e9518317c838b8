"""The open API (anonymizer.api). A browser session never authenticates an API call: every
data endpoint answers 401 to every role here (the clients of tests/test_urls.py are logged
in, without a token); tests/api/ checks each role with tokens. The schema is readable with a
login, and the docs page is a page: anonymous users go to the login page."""

from django.urls import reverse

from tests.url_expectations import LOGIN, statuses

TOKEN_ONLY = statuses(401, 401, 401, 401, 401)

EXPECTED = {
    "api_schema": ("get", lambda b: reverse("api_schema"), statuses(401, 200, 200, 200, 200)),
    "api_docs": ("get", lambda b: reverse("api_docs"), statuses(LOGIN, 200, 200, 200, 200)),
    "api_batches": ("get", lambda b: reverse("api_batches"), TOKEN_ONLY),
    "api_batch_detail": (
        "get", lambda b: reverse("api_batch_detail", args=[b.public_id]), TOKEN_ONLY
    ),
    "api_records": ("get", lambda b: reverse("api_records", args=[b.public_id]), TOKEN_ONLY),
    "api_record_detail": (
        "get", lambda b: reverse("api_record_detail", args=[b.public_id, 1]), TOKEN_ONLY
    ),
    "api_review_next": ("post", lambda b: reverse("api_review_next"), TOKEN_ONLY),
    "api_review_item": (
        "get", lambda b: reverse("api_review_item", args=[b.review_item.public_id]), TOKEN_ONLY
    ),
    "api_review_decide": (
        "post",
        lambda b: reverse("api_review_decide", args=[b.review_item.public_id]),
        TOKEN_ONLY,
    ),
    "api_exports": ("get", lambda b: reverse("api_exports"), TOKEN_ONLY),
    "api_export_detail": (
        "get", lambda b: reverse("api_export_detail", args=[b.export.public_id]), TOKEN_ONLY
    ),
    "api_export_file": (
        "get",
        lambda b: reverse("api_export_file", args=[b.export.public_id, "manifest.json"]),
        TOKEN_ONLY,
    ),
    "api_policies": ("get", lambda b: reverse("api_policies"), TOKEN_ONLY),
    "api_policy_detail": (
        "get", lambda b: reverse("api_policy_detail", args=[b.policy.public_id]), TOKEN_ONLY
    ),
    "api_rulesets": ("get", lambda b: reverse("api_rulesets"), TOKEN_ONLY),
    "api_ruleset_detail": (
        "get", lambda b: reverse("api_ruleset_detail", args=[b.draft_version]), TOKEN_ONLY
    ),
    "api_audit_events": ("get", lambda b: reverse("api_audit_events"), TOKEN_ONLY),
    "api_pipelines": ("get", lambda b: reverse("api_pipelines"), TOKEN_ONLY),
    "api_pipeline_detail": ("get", lambda b: reverse("api_pipeline_detail", args=[_uuid]),
                            TOKEN_ONLY),
    "api_pipeline_inbox": ("post", lambda b: reverse("api_pipeline_inbox", args=[_uuid]),
                           TOKEN_ONLY),
}

_uuid = "00000000-0000-4000-8000-000000000000"  # pipelines: the session never reaches them

# Any other path under /api/: a JSON 404, for every role.
EXPECTED["api_not_found"] = (
    "get", lambda b: "/api/no-such-thing/", statuses(404, 404, 404, 404, 404)
)
