"""``/api/v1/integrations/``: every path answers with and without a trailing slash, as the rest of the API."""

from django.urls import re_path

from integrations.api import zendesk, zendesk_analytics, zendesk_auth, zendesk_people, zendesk_tickets, zoho

app_name = "integrations-api"

urlpatterns = [
    # Seed 000 (Zoho Desk).
    re_path(r"^zoho/requests/?$", zoho.ZohoRequestsView.as_view(), name="zoho-requests"),
    re_path(
        r"^zoho/requests/(?P<ticket_id>\d{1,30})/?$", zoho.ZohoRequestDetailView.as_view(), name="zoho-request-detail"
    ),
    # Seed 001 (Zendesk).
    re_path(r"^zendesk/tickets/?$", zendesk_tickets.TicketsView.as_view(), name="zendesk-tickets"),
    re_path(
        r"^zendesk/tickets/(?P<ticket_id>\d{1,18})/?$",
        zendesk_tickets.TicketDetailView.as_view(),
        name="zendesk-ticket",
    ),
    re_path(
        r"^zendesk/tickets/(?P<ticket_id>\d{1,18})/comments/?$",
        zendesk_tickets.TicketCommentsView.as_view(),
        name="zendesk-ticket-comments",
    ),
    re_path(r"^zendesk/users/?$", zendesk_people.UsersView.as_view(), name="zendesk-users"),
    re_path(r"^zendesk/users/(?P<user_id>\d{1,18})/?$", zendesk_people.UserDetailView.as_view(), name="zendesk-user"),
    re_path(r"^zendesk/organizations/?$", zendesk_people.OrganizationsView.as_view(), name="zendesk-organizations"),
    re_path(
        r"^zendesk/organizations/(?P<organization_id>\d{1,18})/?$",
        zendesk_people.OrganizationDetailView.as_view(),
        name="zendesk-organization",
    ),
    re_path(r"^zendesk/search/tickets/?$", zendesk_tickets.SearchTicketsView.as_view(), name="zendesk-search-tickets"),
    re_path(
        r"^zendesk/analytics/tickets/?$", zendesk_analytics.AnalyticsTicketsView.as_view(), name="zendesk-analytics"
    ),
    re_path(r"^zendesk/health/?$", zendesk.HealthView.as_view(), name="zendesk-health"),
    re_path(r"^zendesk/oauth/start/?$", zendesk_auth.OAuthStartView.as_view(), name="zendesk-oauth-start"),
    re_path(r"^zendesk/oauth/callback/?$", zendesk_auth.OAuthCallbackView.as_view(), name="zendesk-oauth-callback"),
    re_path(r"^zendesk/auth/status/?$", zendesk_auth.AuthStatusView.as_view(), name="zendesk-auth-status"),
    re_path(r"^zendesk/auth/refresh/?$", zendesk_auth.AuthRefreshView.as_view(), name="zendesk-auth-refresh"),
    re_path(r"^zendesk/auth/?$", zendesk_auth.AuthRevokeView.as_view(), name="zendesk-auth"),
]
