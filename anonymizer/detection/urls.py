from django.urls import path

from anonymizer.detection import views

urlpatterns = [
    path("batches/<uuid:public_id>/detect/", views.batch_detect, name="batch_detect"),
    path(
        "batches/<uuid:public_id>/detect/retry/",
        views.batch_detect_retry,
        name="batch_detect_retry",
    ),
]
