"""``/api/v1``: every app's endpoints under one namespace."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("tickets.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("kb.api.urls")),
]
