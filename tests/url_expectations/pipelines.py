from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from tests.url_expectations import LOGIN, statuses


def _pipeline(b: Any) -> Any:
    from anonymizer.models import Pipeline

    pipeline, _ = Pipeline.objects.get_or_create(name="walk", defaults={
        "source_dir": f"{settings.VEIL_PIPELINE_ROOTS[0]}/walk", "source_format": "csv",
        "data_class": "internal", "purpose": "theme_analysis", "policy_name": "default",
        "owner": b.admin_user,
    })
    return pipeline


def _url(name: str) -> Any:
    return lambda b: reverse(name, args=[_pipeline(b).public_id])


EXPECTED = {
    "pipeline_list": ("get", lambda b: reverse("pipeline_list"),
                      statuses(LOGIN, 403, 403, 200, 200)),
    "pipeline_detail": ("get", _url("pipeline_detail"), statuses(LOGIN, 404, 404, 200, 200)),
    # officers see pipelines; only admins run, pause and resume them
    "pipeline_run": ("post", _url("pipeline_run"), statuses(LOGIN, 404, 404, 403, 302)),
    "pipeline_inbox": ("post", _url("pipeline_inbox"), statuses(LOGIN, 404, 404, 403, 302)),
    "pipeline_enabled": ("post", _url("pipeline_enabled"), statuses(LOGIN, 404, 404, 403, 302)),
}
