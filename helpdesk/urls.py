from django.contrib import admin
from django.urls import include, path, re_path

from helpdesk import views
from helpdesk.api.errors import api_not_found
from helpdesk.api.schema import RedocView, SchemaView, SwaggerView
from tickets.portal import profile as portal_profile

handler500 = "helpdesk.api.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("portal/kb/", include("kb.portal.urls")),  # the knowledge base (kb/)
    path("portal/", include("tickets.portal.urls")),
    path("live/", include("tickets.live.urls")),
    path("portal/account/", include("accounts.portal.urls")),
    path("portal/account/profile/", portal_profile.profile, name="portal-profile"),
    path("admin/", admin.site.urls),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/v1/integrations/", include("integrations.api.urls")),
    path("api/v1/", include("helpdesk.api.urls")),
    path("integrations/", include("integrations.urls")),
    re_path(r"^api/", api_not_found),
]
