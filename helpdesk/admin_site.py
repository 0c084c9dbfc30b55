"""The agent console: Django's admin site with the helpdesk dashboard on its index page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.admin_index import split_internal
from helpdesk.liveness import background_state
from reports.dashboard import OPEN_STATUSES, dashboard_figures

# The ticket queue's own filters: ``sla`` (ok, at_risk, breached, paused, met) is its SLA
# state filter; status and assignee lookups are plain field lookups the changelist applies.
_ACTIVE = ",".join(status.value for status in OPEN_STATUSES)


def _card(label: str, value: int, url: str, tone: str = "") -> dict[str, Any]:
    return {"label": label, "value": value, "url": url, "tone": tone}


def dashboard_cards(figures: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The dashboard's figure cards, each linking to the ticket queue filtered to what it counts."""
    changelist = reverse("admin:tickets_ticket_changelist")

    def link(**params: str) -> str:
        return f"{changelist}?{urlencode(params)}"

    today = figures["today"].isoformat()
    headline = [
        _card(_("Open"), figures["open_total"], link(status__in=_ACTIVE)),
        _card(_("Unassigned"), figures["unassigned"], link(assignee__isnull="True", status__in=_ACTIVE)),
        _card(_("At risk"), figures["at_risk"], link(sla="at_risk"), "warning" if figures["at_risk"] else ""),
        # sla=breached alone would also list done tickets that were once breached.
        _card(
            _("Breached"),
            figures["breached"],
            link(sla="breached", status__in=_ACTIVE),
            "danger" if figures["breached"] else "",
        ),
        _card(_("Created today"), figures["created_today"], link(created_at__date=today)),
        _card(_("Resolved today"), figures["resolved_today"], link(resolved_at__date=today)),
    ]
    by_status = [
        _card(row["label"], row["count"], link(status__exact=row["status"])) for row in figures["open_by_status"]
    ]
    return {"headline": headline, "by_status": by_status}


class HelpdeskAdminSite(admin.AdminSite):
    """The admin site agents work in; its index is the dashboard."""

    site_header = _("Helpdesk agent console")
    site_title = _("Helpdesk")
    index_title = _("Dashboard")

    def get_urls(self):
        from reports.admin_subscriptions import subscriptions_post
        from reports.admin_views import reports_page

        page = self.admin_view(lambda request: reports_page(request, self))
        subscribe = self.admin_view(subscriptions_post)
        return [
            path("reports/", page, name="reports"),
            path("reports/subscriptions/", subscribe, name="report-subscriptions"),
            *super().get_urls(),
        ]

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        """The apps and tables a user may open, less the internal records (``admin_index``)."""
        return split_internal(super().get_app_list(request, app_label))[0]

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The index page, with the dashboard's figures for staff roles."""
        context = dict(extra_context or {})
        # Only those the user may open: an admin's list; nobody else's has any.
        context["internal_records"] = split_internal(super().get_app_list(request))[1]
        # The admin lets in only is_staff users, which the User model keeps equal to a
        # staff role; asking the role as well keeps customers out should that ever drift.
        if getattr(request.user, "is_staff_role", False):
            figures = dashboard_figures(request.user, now=timezone.now())
            context["dashboard"] = figures
            context["dashboard_cards"] = dashboard_cards(figures)
            # The heartbeat only: asking every worker would hold the page up to a second.
            context["background"] = background_state(ask_workers=False)
        return super().index(request, context)
