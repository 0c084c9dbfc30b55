"""Site-wide pages: the front door and the health check."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from helpdesk.cache import strictly
from helpdesk.celery import app as celery_app
from helpdesk.clamd import Clamd
from helpdesk.liveness import background_state

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    # With API_DOCS_PUBLIC off, only staff are shown the door to the docs (others would find a 404).
    docs = settings.API_DOCS_PUBLIC or (request.user.is_authenticated and request.user.is_staff)
    return render(request, "home.html", {"show_api_docs": docs})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"health:{time.monotonic_ns()}"
    with strictly():  # the cache fails open for everyone else; here its absence is the news
        cache.set(key, "ok", timeout=5)
        if cache.get(key) != "ok":
            raise RuntimeError("the cache did not return what was stored")
        cache.delete(key)


def _check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=2)


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}
# Without these the site still serves (they fail open, and the outboxes keep the work): "degraded".
OPTIONAL = {"cache", "broker"}


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Each dependency's state: 200 "healthy", 200 "degraded" naming a lost cache or broker, else 503."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means unhealthy, and is named
            logger.warning("health check %s failed: %s", name, exc)
            results[name] = f"error: {type(exc).__name__}"
        else:
            results[name] = "ok"
    failing = [name for name, value in results.items() if value != "ok"]
    serving = set(failing) <= OPTIONAL
    body = {
        "status": "healthy" if not failing else "degraded" if serving else "unhealthy",
        "service": settings.SERVICE_NAME,
        "version": settings.VERSION,
        "checks": results,
    }
    if request.GET.get("deep") and _is_staff(request):
        # The worker and beat are not this process's health: a late heartbeat degrades, never fails.
        body["background"] = background_state()
        if body["background"]["status"] != "ok" or body["background"]["workers"] == []:
            failing.append("background")
            body["status"] = "degraded" if serving else body["status"]
        if settings.VIRUS_SCAN_ENABLED:
            # clamd away holds new files as pending (README, "Virus scanning"): degraded, never down.
            answers = Clamd(settings.CLAMD_URL, timeout=settings.CLAMD_TIMEOUT).ping()
            body["virus_scan"] = "ok" if answers else "unreachable"
            if not answers:
                failing.append("virus_scan")
                body["status"] = "degraded" if serving else body["status"]
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=200 if serving else 503)


def _is_staff(request: HttpRequest) -> bool:
    """A signed-in staff member: by the admin's session or by an API token."""
    user = request.user if request.user.is_authenticated else None
    if user is None:
        try:
            found = JWTAuthentication().authenticate(request)
        except (InvalidToken, AuthenticationFailed):
            found = None
        user = found[0] if found else None
    return bool(user is not None and user.is_staff_role)
