"""The open API's URLs (config.urls mounts them under /api/): see docs/api.md."""

from django.urls import path, re_path

from anonymizer.api.views import (
    audit,
    batches,
    catalog,
    docs,
    exports,
    pipelines,
    records,
    review,
)

BATCH = "batches/<uuid:public_id>/"

urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="api_schema"),
    path("docs/", docs.DocsView.as_view(), name="api_docs"),
    path("batches/", batches.BatchListView.as_view(), name="api_batches"),
    path(BATCH, batches.BatchDetailView.as_view(), name="api_batch_detail"),
    path(f"{BATCH}records/", records.RecordListView.as_view(), name="api_records"),
    path(
        f"{BATCH}records/<int:position>/",  # Django 5 answers an out-of-range int with no row
        records.RecordDetailView.as_view(),
        name="api_record_detail",
    ),
    path("review/next/", review.ReviewNextView.as_view(), name="api_review_next"),
    path(
        "review/items/<uuid:public_id>/", review.ReviewItemView.as_view(), name="api_review_item"
    ),
    path(
        "review/items/<uuid:public_id>/decisions/",
        review.ReviewDecisionView.as_view(),
        name="api_review_decide",
    ),
    path("exports/", exports.ExportListView.as_view(), name="api_exports"),
    path("exports/<uuid:public_id>/", exports.ExportDetailView.as_view(), name="api_export_detail"),
    path(
        "exports/<uuid:public_id>/files/<str:name>",
        exports.ExportFileView.as_view(),
        name="api_export_file",
    ),
    path("policies/", catalog.PolicyListView.as_view(), name="api_policies"),
    path(
        "policies/<uuid:public_id>/", catalog.PolicyDetailView.as_view(), name="api_policy_detail"
    ),
    path("rulesets/", catalog.RuleSetListView.as_view(), name="api_rulesets"),
    path("pipelines/", pipelines.PipelineListView.as_view(), name="api_pipelines"),
    path("pipelines/<uuid:public_id>/", pipelines.PipelineDetailView.as_view(),
         name="api_pipeline_detail"),
    path("pipelines/<uuid:public_id>/inbox/", pipelines.PipelineInboxView.as_view(),
         name="api_pipeline_inbox"),
    re_path(  # any integer: a version that cannot exist is a 404 like one that does not
        r"^rulesets/(?P<version>-?[0-9]{1,30})/$",
        catalog.RuleSetDetailView.as_view(),
        name="api_ruleset_detail",
    ),
    path("audit/events/", audit.AuditEventListView.as_view(), name="api_audit_events"),
    # Anything else under /api/ is a JSON 404, never the HTML page.
    re_path(r"^", docs.not_found, name="api_not_found"),
]
