from django.urls import path

from anonymizer.pipelines import views

urlpatterns = [
    path("pipelines/", views.pipeline_list, name="pipeline_list"),
    path("pipelines/<uuid:public_id>/", views.pipeline_detail, name="pipeline_detail"),
    path("pipelines/<uuid:public_id>/run/", views.pipeline_run_now, name="pipeline_run"),
    path("pipelines/<uuid:public_id>/inbox/", views.pipeline_inbox, name="pipeline_inbox"),
    path("pipelines/<uuid:public_id>/enabled/", views.pipeline_enabled, name="pipeline_enabled"),
]
