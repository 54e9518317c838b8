from django.urls import reverse

from tests.url_expectations import LOGIN, statuses

EXPECTED = {
    # officers test exports; an empty form comes back with its errors (400); admins may see
    # the export but not run a test, reviewers may not see exports at all
    "export_linkage": ("post", lambda b: reverse("export_linkage", args=[b.export.public_id]),
                       statuses(LOGIN, 404, 403, 400, 403)),
}
EXPECTED["export_report"] = (
    "get", lambda b: reverse("export_report", args=[b.export.public_id]),
    statuses(LOGIN, 404, 403, 200, 200),
)
