from django.urls import path

from anonymizer import api, policy_views, ruleset_views, views

urlpatterns = [
    path("", views.batch_list, name="home"),
    path("batches/new/", views.batch_upload, name="batch_upload"),
    path("batches/<uuid:public_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<uuid:public_id>/reviewers/", views.batch_assign, name="batch_assign"),
    path("batches/<uuid:public_id>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<uuid:public_id>/columns/", views.batch_columns, name="batch_columns"),
    path("batches/<uuid:public_id>/detect/", views.batch_detect, name="batch_detect"),
    path(
        "batches/<uuid:public_id>/detect/retry/",
        views.batch_detect_retry,
        name="batch_detect_retry",
    ),
    path("rulesets/", ruleset_views.ruleset_list, name="ruleset_list"),
    path("rulesets/<int:version>/", ruleset_views.ruleset_detail, name="ruleset_detail"),
    path("rulesets/retrain/", ruleset_views.ruleset_retrain, name="ruleset_retrain"),
    path(
        "rulesets/<int:version>/proposals/<int:index>/confirm/",
        ruleset_views.ruleset_confirm_proposal,
        name="ruleset_confirm_proposal",
    ),
    path(
        "rulesets/<int:version>/draft/", ruleset_views.ruleset_new_draft, name="ruleset_new_draft"
    ),
    path(
        "rulesets/<int:version>/activate/", ruleset_views.ruleset_activate, name="ruleset_activate"
    ),
    path("policies/", policy_views.policy_list, name="policy_list"),
    path("policies/new/", policy_views.policy_new, name="policy_new"),
    path("policies/<uuid:public_id>/", policy_views.policy_detail, name="policy_detail"),
    path(
        "policies/<uuid:public_id>/<slug:action>/",
        policy_views.policy_action,
        name="policy_action",
    ),
    path("vault/lookup/", policy_views.vault_lookup, name="vault_lookup"),
    path("batches/<uuid:public_id>/export/", policy_views.export_create, name="export_create"),
    path("exports/<uuid:public_id>/", policy_views.export_detail, name="export_detail"),
    path(
        "exports/<uuid:public_id>/download/<str:name>",
        policy_views.export_download,
        name="export_download",
    ),
    path("api/batches/", api.api_batches, name="api_batches"),
    path("api/batches/<uuid:public_id>/", api.api_batch_detail, name="api_batch_detail"),
]
