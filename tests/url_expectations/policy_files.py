from typing import Any

from django.urls import reverse

from tests.url_expectations import LOGIN, statuses


def _default(b: Any) -> str:
    from anonymizer.policies.selectors import default_policy

    return reverse("policy_download", args=[default_policy().public_id])


EXPECTED = {
    # who reads policies may download them; officers import (an empty form: back to the list)
    "policy_download": ("get", _default, statuses(LOGIN, 403, 403, 200, 200)),
    "policy_import": ("post", lambda b: reverse("policy_import"),
                      statuses(LOGIN, 403, 403, 302, 403)),
}
