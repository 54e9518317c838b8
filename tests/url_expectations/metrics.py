"""/metrics: the test client calls from 127.0.0.1 with no proxy header, which config.metrics
lets read the metrics without a token, whoever is logged in (tests/ops covers the refusals)."""

from tests.url_expectations import statuses

EXPECTED = {
    "metrics": ("get", lambda b: "/metrics", statuses(200, 200, 200, 200, 200)),
}
