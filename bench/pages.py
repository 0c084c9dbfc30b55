"""What the benchmark times: the pages agents, customers and integrations use all day, and the reports.

Targets (issue 17, p50 on the 2-core machine at a million tickets): list 10 ms, detail 8 ms, create
and comment 20 ms, search 50 ms, every report 300 ms over 90 days.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.tokens import IdentityRefreshToken
from bench.desk import ABSENT_WORD, COMMON_WORDS, PREFIX, RARE_WORD
from bench.timing import Timing, time_page
from tickets.models import Category, Ticket

REPORTS = {
    "report dashboard": "/api/v1/reports/dashboard?from={from_}&to={to}",
    "report tickets by day": "/api/v1/reports/tickets?from={from_}&to={to}&bucket=day",
    "report tickets by week and priority": "/api/v1/reports/tickets?from={from_}&to={to}&bucket=week&split=priority",
    "report agents": "/api/v1/reports/agents?from={from_}&to={to}",
    "report sla": "/api/v1/reports/sla?from={from_}&to={to}",
    "report aging": "/api/v1/reports/aging",
    "report sla-violations": "/api/v1/reports/sla-violations?from={from_}&to={to}",
    "report arrivals": "/api/v1/reports/arrivals?from={from_}&to={to}",
}
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def bench_user(email: str, role: Role) -> User:
    user, _ = User.objects.get_or_create(
        email=email, defaults={"role": role, "full_name": email.split("@")[0], "is_staff": role != Role.CUSTOMER}
    )
    return user


def time_pages(*, runs: int, days: int = 90, only: str = "") -> Iterator[Timing]:
    """Every page, as the role that uses it, uncached; ``only`` keeps the names containing it."""
    admin = bench_user("bench-admin@example.test", Role.ADMIN)
    # The API as integrations and scripts call it, with a JWT; the console and the portal with a session.
    agents = Client(HTTP_AUTHORIZATION=f"Bearer {IdentityRefreshToken.for_user(admin).access_token}")
    console, customers = Client(), Client()
    console.force_login(admin)
    customer = User.objects.filter(email__startswith="bench-customer-").order_by("pk").first()
    customers.force_login(customer)
    ticket = Ticket.objects.filter(number__startswith=PREFIX).order_by("-pk").values_list("pk", flat=True).first()
    today = timezone.localdate()
    span = {"from_": (today - timezone.timedelta(days=days)).isoformat(), "to": today.isoformat()}
    category = Category.objects.order_by("pk").values_list("slug", flat=True).first()
    common, rare, absent = COMMON_WORDS[0], RARE_WORD, ABSENT_WORD
    pages: list[tuple[Client, str, str, float | None, object]] = [
        (agents, "list", "/api/v1/tickets", 10, None),
        (agents, "list open by resolution due", "/api/v1/tickets?status=open,in_progress&ordering=resolution_due_at",
         10, None),
        (agents, "detail", f"/api/v1/tickets/{ticket}", 8, None),
        (agents, "search common word", f"/api/v1/tickets?search={common}", 50, None),
        (agents, "search rare word", f"/api/v1/tickets?search={rare}", 50, None),
        (agents, "search absent word", f"/api/v1/tickets?search={absent}", 50, None),
        (agents, "search common word, open", f"/api/v1/tickets?search={common}&status=open", 50, None),
        (agents, "search common word by relevance", f"/api/v1/tickets?search={common}&ordering=relevance", 50,
         None),
        (agents, "search rare word by relevance", f"/api/v1/tickets?search={rare}&ordering=relevance", 50, None),
        (agents, "create", "/api/v1/tickets", 20, _create(category)),
        (agents, "comment", f"/api/v1/tickets/{ticket}/comments", 20, _comment),
        (console, "console queue", "/admin/tickets/ticket/", None, None),
        (customers, "portal my tickets", "/portal/", None, None),
        *((agents, name, url.format(**span), 300, None) for name, url in REPORTS.items()),
    ]  # fmt: skip
    with override_settings(ALLOWED_HOSTS=["testserver"], CACHES=NO_CACHE):
        for client, name, url, target, request in pages:
            if only and only not in name:
                continue
            yield time_page(client, name, url, runs=runs, target_ms=target, request=request)


def _create(category: str | None):
    def request(client: Client, url: str):
        body = {"subject": f"Bench create {uuid.uuid4().hex[:8]}", "category": category, "priority": "low"}
        return client.post(url, body, content_type="application/json")

    return request


def _comment(client: Client, url: str):
    return client.post(url, {"body": f"Bench reply {uuid.uuid4().hex[:8]}"}, content_type="application/json")
