"""The reports page's "Email me these figures": a staff member's scheduled reports, in the console.

The same checks and services as ``/api/v1/reports/subscriptions`` (the API's serializer validates
the form), so a subscription made here is one the API lists, and the other way round.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from reports.api.subscriptions import ReportSubscriptionSerializer
from reports.scope import NoReportScope, scope_for
from reports.subscriptions import subscription_delete, subscriptions_of


def subscriptions_context(request: HttpRequest) -> list[dict[str, Any]]:
    """The user's subscriptions as the API shows them, for the reports page."""
    rows = ReportSubscriptionSerializer(
        subscriptions_of(request.user).order_by("created_at", "id"), many=True, context={"request": request}
    ).data
    return list(rows)


def subscriptions_post(request: HttpRequest) -> HttpResponse:
    """Subscribe (``action=subscribe``) or stop one (``action=stop&id=``); back to the reports page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    back = HttpResponseRedirect(reverse("admin:reports"))
    try:
        scope_for(request.user)
    except NoReportScope:
        messages.error(request, _("Reports are for staff."))
        return back
    if request.POST.get("action") == "stop":
        subscription = subscriptions_of(request.user).filter(pk=_id(request.POST.get("id"))).first()
        if subscription is None:
            messages.error(request, _("No such subscription."))
        else:
            subscription_delete(subscription=subscription)
            messages.success(request, _("You will no longer receive that email."))
        return back
    data = {name: request.POST[name] for name in ("frequency", "weekday", "hour", "team") if request.POST.get(name)}
    serializer = ReportSubscriptionSerializer(data=data, context={"request": request})
    if serializer.is_valid():
        serializer.save()
        messages.success(request, _("Subscribed: the figures will come by email."))
    else:
        problems = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in serializer.errors.items())
        messages.error(request, _("Not subscribed. %(problems)s") % {"problems": problems})
    return back


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None
