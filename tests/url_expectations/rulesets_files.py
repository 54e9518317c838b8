from django.urls import reverse

from tests.url_expectations import LOGIN, statuses

EXPECTED = {
    # the rule-set page's readers may download it; only officers import (an empty form is
    # sent back to the list with a message)
    "ruleset_download": ("get", lambda b: reverse("ruleset_download", args=[1]),
                         statuses(LOGIN, 403, 403, 200, 200)),
    "ruleset_import": ("post", lambda b: reverse("ruleset_import"),
                       statuses(LOGIN, 403, 403, 302, 403)),
}
