"""The policy editor's live check, the preview (privacy officers only: it shows raw text) and
the risk figures (numbers only: whoever may see policies). Empty posts are refused as bad."""

from django.urls import reverse

from tests.url_expectations import LOGIN, statuses

EXPECTED = {
    "policy_validate_row": (
        "post",
        lambda b: reverse("policy_validate_row"),
        statuses(LOGIN, 403, 403, 400, 403),
    ),
    "policy_preview": (
        "post",
        lambda b: reverse("policy_preview", args=[b.policy.public_id]),
        statuses(LOGIN, 403, 403, 400, 403),
    ),
    "policy_risk": (
        "get",
        lambda b: reverse("policy_risk", args=[b.policy.public_id]),
        statuses(LOGIN, 403, 403, 200, 200),
    ),
}
