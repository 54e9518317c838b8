from tests.url_expectations import statuses

EXPECTED = {
    # Placeholder until the metrics endpoint is protected (the ops work decides its access).
    "prometheus-django-metrics": (
        "get",
        lambda b: "/metrics",
        statuses(302, 200, 200, 200, 200),
    ),
}
