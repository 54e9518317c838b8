from django.urls import path

from anonymizer import api, ruleset_views, views

urlpatterns = [
    path("", views.batch_list, name="home"),
    path("batches/new/", views.batch_upload, name="batch_upload"),
    path("batches/<uuid:public_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<uuid:public_id>/reviewers/", views.batch_assign, name="batch_assign"),
    path("batches/<uuid:public_id>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<uuid:public_id>/detect/", views.batch_detect, name="batch_detect"),
    path(
        "batches/<uuid:public_id>/detect/retry/",
        views.batch_detect_retry,
        name="batch_detect_retry",
    ),
    path("rulesets/", ruleset_views.ruleset_list, name="ruleset_list"),
    path("rulesets/<int:version>/", ruleset_views.ruleset_detail, name="ruleset_detail"),
    path(
        "rulesets/<int:version>/draft/", ruleset_views.ruleset_new_draft, name="ruleset_new_draft"
    ),
    path(
        "rulesets/<int:version>/activate/", ruleset_views.ruleset_activate, name="ruleset_activate"
    ),
    path("api/batches/", api.api_batches, name="api_batches"),
    path("api/batches/<uuid:public_id>/", api.api_batch_detail, name="api_batch_detail"),
]
