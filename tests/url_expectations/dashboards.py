"""The role homes (anonymizer/dashboards): every signed-in user has a home; what it shows
depends on their permissions (tests/dashboards)."""

from django.urls import reverse

from tests.url_expectations import LOGIN, statuses

EXPECTED = {
    "home": ("get", lambda b: reverse("home"), statuses(LOGIN, 200, 200, 200, 200)),
}
