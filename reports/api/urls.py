from django.urls import re_path

from helpdesk.api.routers import OptionalSlashRouter
from reports.api import views
from reports.api.subscriptions import ReportSubscriptionViewSet

router = OptionalSlashRouter()
router.register("reports/subscriptions", ReportSubscriptionViewSet, basename="report-subscription")

urlpatterns = [
    *router.urls,
    re_path(r"^reports/dashboard/?$", views.DashboardReportView.as_view(), name="report-dashboard"),
    re_path(r"^reports/agents/?$", views.AgentsReportView.as_view(), name="report-agents"),
    re_path(r"^reports/sla/?$", views.SlaReportView.as_view(), name="report-sla"),
    re_path(r"^reports/aging/?$", views.AgingReportView.as_view(), name="report-aging"),
    re_path(r"^reports/sla-violations/?$", views.SlaViolationsReportView.as_view(), name="report-sla-violations"),
    re_path(r"^reports/tickets/?$", views.VolumeReportView.as_view(), name="report-tickets"),
    re_path(r"^reports/arrivals/?$", views.ArrivalsReportView.as_view(), name="report-arrivals"),
]
