"""``/api/v1/integrations/``: every path answers with and without a trailing slash, as the rest of the API."""

from django.urls import re_path

from integrations.api import zoho

app_name = "integrations-api"

urlpatterns = [
    # Seed 000 (Zoho Desk).
    re_path(r"^zoho/requests/?$", zoho.ZohoRequestsView.as_view(), name="zoho-requests"),
    re_path(
        r"^zoho/requests/(?P<ticket_id>\d{1,30})/?$", zoho.ZohoRequestDetailView.as_view(), name="zoho-request-detail"
    ),
]
