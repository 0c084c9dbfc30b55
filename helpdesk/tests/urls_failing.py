"""A URL configuration with an endpoint that fails, for the 500 tests."""

from django.urls import include, path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny


@api_view(["GET"])
@permission_classes([AllowAny])
def explode(request):
    raise RuntimeError("database password is hunter2")


urlpatterns = [path("api/v1/explode", explode), path("", include("helpdesk.urls"))]
