"""Cached report answers stay live: a write shows in the next read of any figure of the present.

Caching is on in every test here (``REPORTS_CACHE_SECONDS`` 60). Writes go through the services
and their commit hooks run (``django_capture_on_commit_callbacks(execute=True)``), as in production.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.cache import cache, caches
from django.utils import timezone

from reports.tests.helpers import make
from tickets import services
from tickets.changes import KEY, tickets_changed_version
from tickets.choices import Status
from tickets.services.sweep import sla_sweep
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db

DASHBOARD = "/api/v1/reports/dashboard"


@pytest.fixture(autouse=True)
def _caching_on(settings):
    settings.REPORTS_CACHE_SECONDS = 60


def figures(client, url: str = DASHBOARD, **query) -> dict:
    response = client.get(url, query)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_dashboard_shows_an_assignment_at_once(api, manager, agent, customer, django_capture_on_commit_callbacks):
    client = api(manager)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(actor=customer, subject="VPN", category=category())
    before = figures(client)
    assert before["unassigned"] == 1
    assert figures(client)["generated_at"] == before["generated_at"]  # a second read is the cached answer

    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_assign(actor=manager, ticket=ticket, assignee=agent)

    after = figures(client)
    assert after["unassigned"] == 0
    assert after["generated_at"] != before["generated_at"]


def test_open_by_status_follows_a_resolve(api, manager, agent, customer, django_capture_on_commit_callbacks):
    client = api(manager)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(actor=customer, subject="Printer", category=category())
        services.ticket_assign(actor=manager, ticket=ticket, assignee=agent)
    assert figures(client, "/api/v1/reports/aging")["totals"]["open"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_resolve(actor=agent, ticket=ticket)

    assert figures(client, "/api/v1/reports/aging")["totals"]["open"] == 0
    assert figures(client)["by_status"][Status.RESOLVED.value] == 1


def test_the_reports_page_is_live_too(client, manager, customer, django_capture_on_commit_callbacks):
    client.force_login(manager)
    assert client.get("/admin/reports/").context["answers"]["aging"]["totals"]["open"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_create(actor=customer, subject="Mail", category=category())
    assert client.get("/admin/reports/").context["answers"]["aging"]["totals"]["open"] == 1


def test_a_past_range_stays_cached_across_writes(api, manager, agent, customer, django_capture_on_commit_callbacks):
    client = api(manager)
    today = timezone.localdate()
    past = {"from": (today - timedelta(days=40)).isoformat(), "to": (today - timedelta(days=10)).isoformat()}
    first = figures(client, "/api/v1/reports/tickets", **past)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_create(actor=customer, subject="Phone", category=category())
    assert figures(client, "/api/v1/reports/tickets", **past)["generated_at"] == first["generated_at"]
    # The dashboard of the same past range holds figures of now (unassigned, overdue): recomputed.
    dashboard = figures(client, **past)
    assert dashboard["unassigned"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_create(actor=customer, subject="Fax", category=category())
    assert figures(client, **past)["unassigned"] == 2


def test_one_write_bumps_the_number_once(customer, django_capture_on_commit_callbacks):
    before = tickets_changed_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        # A create saves the ticket and records events: several signals, one commit hook.
        services.ticket_create(actor=customer, subject="Scanner", category=category())
    assert sum(hook.__name__ == "bump_tickets_changed" for hook in callbacks) == 1
    assert tickets_changed_version() == before + 1


def test_a_lost_key_starts_from_a_number_never_used(customer, django_capture_on_commit_callbacks):
    before = tickets_changed_version()
    cache.delete(KEY)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_create(actor=customer, subject="Badge", category=category())
    assert tickets_changed_version() > before


def test_the_sla_sweep_counts_as_a_write(api, manager, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make(timezone.now() - timedelta(days=3))  # unanswered past its first-response target
    before = tickets_changed_version()
    with django_capture_on_commit_callbacks(execute=True):
        counts = sla_sweep()
    assert counts["breached"] >= 1
    assert tickets_changed_version() > before


def test_a_broken_cache_never_fails_a_write(
    api, manager, customer, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("cache exploded")

    backend = caches["default"]
    monkeypatch.setattr(backend, "incr", broken)
    monkeypatch.setattr(backend, "set", broken)
    with caplog.at_level(logging.ERROR, logger="tickets.changes"):
        with django_capture_on_commit_callbacks(execute=True):
            ticket = services.ticket_create(actor=customer, subject="Monitor", category=category())
    assert ticket.pk is not None
    assert "Could not note a ticket change" in caplog.text


def test_redis_away_the_write_goes_on_and_figures_are_fresh(
    api, manager, customer, settings, django_capture_on_commit_callbacks
):
    # Nothing listens on port 1: the resilient cache fails open, so nothing is cached.
    settings.CACHES = {
        "default": {
            "BACKEND": "helpdesk.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"outage_seconds": 0},
        }
    }
    client = api(manager)
    assert figures(client)["unassigned"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_create(actor=customer, subject="Keyboard", category=category())
    assert figures(client)["unassigned"] == 1
