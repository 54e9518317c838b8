"""The list pages (issue 15): records across batches, exports."""

from django.urls import reverse

from tests.url_expectations import LOGIN, statuses

EXPECTED = {
    # Everyone signed in sees the records of the batches they may see (an outsider: none).
    "record_list": ("get", lambda b: reverse("record_list"), statuses(LOGIN, 200, 200, 200, 200)),
    # As the export page: for the roles that see exports.
    "export_list": ("get", lambda b: reverse("export_list"), statuses(LOGIN, 403, 403, 200, 200)),
}
