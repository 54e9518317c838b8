from django.urls import path

from anonymizer.rulesets import views

urlpatterns = [
    path("rulesets/", views.ruleset_list, name="ruleset_list"),
    path("rulesets/<int:version>/", views.ruleset_detail, name="ruleset_detail"),
    path("rulesets/retrain/", views.ruleset_retrain, name="ruleset_retrain"),
    path("rulesets/import/", views.ruleset_import, name="ruleset_import"),
    path("rulesets/<int:version>/file/", views.ruleset_download, name="ruleset_download"),
    path("rulesets/train-model/", views.ruleset_train_model, name="ruleset_train_model"),
    path(
        "rulesets/<int:version>/proposals/<int:index>/confirm/",
        views.ruleset_confirm_proposal,
        name="ruleset_confirm_proposal",
    ),
    path("rulesets/<int:version>/draft/", views.ruleset_new_draft, name="ruleset_new_draft"),
    path("rulesets/<int:version>/evaluate/", views.ruleset_evaluate, name="ruleset_evaluate"),
    path("rulesets/<int:version>/activate/", views.ruleset_activate, name="ruleset_activate"),
]
