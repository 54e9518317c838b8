from django.urls import path

from review import views

urlpatterns = [
    path("review/", views.review_home, name="review_home"),
    path("review/next/", views.review_next, name="review_next"),
    path("review/escalations/", views.escalation_list, name="escalation_list"),
    path("review/records/<uuid:public_id>/", views.review_record, name="review_record"),
    path("review/records/<uuid:public_id>/act/", views.review_act, name="review_act"),
]
