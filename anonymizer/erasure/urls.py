from django.urls import path

from anonymizer.erasure import views

urlpatterns = [
    path("erasure/", views.subject_erasure, name="subject_erasure"),
]
