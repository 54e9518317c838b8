from django.urls import path

from anonymizer.policies import views

urlpatterns = [
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_new, name="policy_new"),
    path("policies/editor/validate/", views.policy_validate_row, name="policy_validate_row"),
    path("policies/import/", views.policy_import, name="policy_import"),
    path("policies/<uuid:public_id>/", views.policy_detail, name="policy_detail"),
    # Before the generic action pattern, which would match "send-back" and these too.
    path(
        "policies/<uuid:public_id>/send-back/", views.policy_send_back, name="policy_send_back"
    ),
    path("policies/<uuid:public_id>/preview/", views.policy_preview, name="policy_preview"),
    path("policies/<uuid:public_id>/risk/", views.policy_risk, name="policy_risk"),
    path("policies/<uuid:public_id>/file/", views.policy_download, name="policy_download"),
    path("policies/<uuid:public_id>/<slug:action>/", views.policy_action, name="policy_action"),
]
