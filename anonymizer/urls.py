"""The anonymizer's URLs, one list per stage."""

from django.urls import include, path

urlpatterns = [
    path("", include(f"anonymizer.{stage}.urls"))
    for stage in (
        "dashboards", "batches", "detection", "rulesets", "policies", "exports", "erasure",
        "pipelines",
    )
]
