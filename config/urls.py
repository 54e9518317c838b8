from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz/", views.healthz, name="healthz"),
    path("help/", views.help_page, name="help"),
    path("api/", include("anonymizer.api.urls")),
    path("metrics", views.metrics_view, name="metrics"),
    path("", include("audit.urls")),
    path("", include("review.urls")),
    path("", include("anonymizer.urls")),
]

handler403 = "config.views.forbidden"
handler404 = "config.views.not_found"
