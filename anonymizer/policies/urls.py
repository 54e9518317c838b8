from django.urls import path

from anonymizer.policies import views

urlpatterns = [
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_new, name="policy_new"),
    path("policies/<uuid:public_id>/", views.policy_detail, name="policy_detail"),
    path("policies/<uuid:public_id>/<slug:action>/", views.policy_action, name="policy_action"),
]
