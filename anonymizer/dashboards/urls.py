"""Each role's home page: the reviewer's queue and throughput, the officer's risk overview, the
admin's batches, exports and workers."""
from django.urls import path

from anonymizer.dashboards import views

urlpatterns = [
    path("", views.home, name="home"),
]
