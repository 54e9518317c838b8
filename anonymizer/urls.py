from django.urls import path

from anonymizer import api, views

urlpatterns = [
    path("", views.batch_list, name="home"),
    path("batches/new/", views.batch_upload, name="batch_upload"),
    path("batches/<uuid:public_id>/", views.batch_detail, name="batch_detail"),
    path("batches/<uuid:public_id>/reviewers/", views.batch_assign, name="batch_assign"),
    path("api/batches/", api.api_batches, name="api_batches"),
    path("api/batches/<uuid:public_id>/", api.api_batch_detail, name="api_batch_detail"),
]
