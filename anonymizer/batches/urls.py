from django.urls import path

from anonymizer.batches import tokens, views

urlpatterns = [
    path("batches/", views.batch_list, name="batch_list"),
    path("records/", views.record_list, name="record_list"),
    path("batches/new/", views.batch_upload, name="batch_upload"),
    path("batches/<uuid:public_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<uuid:public_id>/reviewers/", views.batch_assign, name="batch_assign"),
    path("batches/<uuid:public_id>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<uuid:public_id>/columns/", views.batch_columns, name="batch_columns"),
    path("tokens/", tokens.api_token_list, name="api_tokens"),
    path("tokens/<uuid:public_id>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
]
