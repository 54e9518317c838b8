from django.urls import path

from anonymizer.exports import views

urlpatterns = [
    path("vault/lookup/", views.vault_lookup, name="vault_lookup"),
    path("batches/<uuid:public_id>/export/", views.export_create, name="export_create"),
    path("exports/", views.export_list, name="export_list"),
    path("exports/<uuid:public_id>/", views.export_detail, name="export_detail"),
    path("exports/<uuid:public_id>/linkage/", views.export_linkage, name="export_linkage"),
    path("exports/<uuid:public_id>/report/", views.export_report, name="export_report"),
    path(
        "exports/<uuid:public_id>/download/<str:name>",
        views.export_download,
        name="export_download",
    ),
]
