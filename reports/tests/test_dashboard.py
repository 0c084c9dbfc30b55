"""The dashboard's figures on a small fixed data set, and the admin index page that shows them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib import admin

from helpdesk.admin_site import HelpdeskAdminSite
from reports.dashboard import dashboard_figures
from reports.tests.helpers import make
from tickets.choices import Status
from tickets.models import Ticket

# Saturday 14 March 2026, 11:00 in Paris (UTC+1 until 29 March): "today" is the 14th
# there, and the UTC evening of the 13th already belongs to it.
NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
ZONE = "Europe/Paris"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def paris(settings):
    settings.TIME_ZONE = ZONE


@pytest.fixture
def tickets(db, paris, agent, other_agent):
    """Twelve tickets; the comment on each says what it counts for at NOW (Paris times)."""
    return {
        # new, unassigned, fresh SLA; created today 10:00.
        "a": make(NOW - timedelta(hours=1), Status.NEW),
        # open; first response at risk since 09:24 UTC, due 11:00 UTC; created today 04:00.
        "b": make(at(14, 3), assignee=agent),
        # in progress, answered; created 00:30 today in Paris (23:30 UTC the day before).
        "c": make(at(13, 23, 30), Status.IN_PROGRESS, assignee=agent, first_responded_at=at(14, 0)),
        # pending (paused), answered, unassigned; created 12 March.
        "d": make(at(12, 10), Status.PENDING, first_responded_at=at(12, 11)),
        # open; first response due 06:30 UTC today, never given: breached; created 23:30 on the 13th.
        "e": make(at(13, 22, 30), assignee=agent),
        # escalated with a recorded resolution breach; created on 1 March (first day of the chart).
        "f": make(
            at(1, 10), Status.ESCALATED, assignee=other_agent, first_responded_at=at(1, 11), resolution_breached=True
        ),
        # on hold (paused), but its first response breach was recorded: breached wins; unassigned.
        "g": make(at(10, 9), Status.ON_HOLD, first_responded_at=at(10, 20), first_response_breached=True),
        # resolved today at 09:00; created on the 13th.
        "h": make(
            at(13, 8), Status.RESOLVED, assignee=other_agent, first_responded_at=at(13, 9), resolved_at=at(14, 8)
        ),
        # closed; resolved at 00:15 today in Paris (23:15 UTC on the 13th); created 5 March.
        "i": make(
            at(5, 9),
            Status.CLOSED,
            assignee=other_agent,
            first_responded_at=at(5, 10),
            resolved_at=at(13, 23, 15),
            closed_at=at(13, 23, 30),
        ),
        # resolved at 23:45 on the 13th in Paris: yesterday; created 00:30 on 1 March in Paris.
        "j": make(
            at(28, 23, 30, month=2),
            Status.RESOLVED,
            assignee=other_agent,
            first_responded_at=at(1, 9),
            resolved_at=at(13, 22, 45),
        ),
        # reopened, unassigned, no SLA policy; created 23:30 on 28 February in Paris: before the chart.
        "k": make(at(28, 22, 30, month=2), Status.REOPENED, sla=False),
        # open, answered; its resolution clock at risk since an hour ago; created 12 March.
        "l": make(
            at(12, 12),
            assignee=other_agent,
            first_responded_at=at(12, 13),
            resolution_at_risk_at=NOW - timedelta(hours=1),
            resolution_due_at=NOW + timedelta(hours=5),
        ),
    }


EXPECTED_BY_STATUS = {
    "new": 1,  # a
    "open": 3,  # b, e, l
    "in_progress": 1,  # c
    "pending": 1,  # d
    "on_hold": 1,  # g
    "escalated": 1,  # f
    "reopened": 1,  # k
}


def by_status(figures) -> dict[str, int]:
    return {row["status"]: row["count"] for row in figures["open_by_status"]}


def test_figures_on_a_fixed_data_set(tickets, manager):
    figures = dashboard_figures(manager, now=NOW)

    assert figures["today"].isoformat() == "2026-03-14"
    # Every active status, in workflow order, zeros included; no done status.
    assert list(by_status(figures)) == list(EXPECTED_BY_STATUS)
    assert by_status(figures) == EXPECTED_BY_STATUS
    assert figures["open_total"] == 9
    assert figures["unassigned"] == 4  # a, d, g, k
    assert figures["at_risk"] == 2  # b (first response), l (resolution)
    assert figures["breached"] == 3  # e (past due), f and g (recorded)
    assert figures["created_today"] == 3  # a, b, c: c only because the day is Paris's
    assert figures["resolved_today"] == 2  # h, i: i only because the day is Paris's


def test_daily_series_cut_days_in_the_local_time_zone(tickets, manager):
    figures = dashboard_figures(manager, now=NOW)

    daily = {row["day"].isoformat(): (row["created"], row["resolved"]) for row in figures["daily"]}
    assert list(daily) == [f"2026-03-{day:02d}" for day in range(1, 15)]
    expected = {day: (0, 0) for day in daily}
    expected |= {
        "2026-03-01": (2, 0),  # f; j (23:30 UTC on 28 Feb); not k (22:30 UTC, still 28 Feb in Paris)
        "2026-03-05": (1, 0),  # i
        "2026-03-10": (1, 0),  # g
        "2026-03-12": (2, 0),  # d, l
        "2026-03-13": (2, 1),  # e, h created; j resolved
        "2026-03-14": (3, 2),  # a, b, c created; h, i resolved
    }
    assert daily == expected

    chart = figures["charts"]["created_resolved"]
    assert chart["labels"][0] == "Mar 1"
    assert chart["labels"][-1] == "Mar 14"
    assert [series["name"] for series in chart["series"]] == ["Created", "Resolved"]
    assert chart["series"][0]["values"] == [created for created, _ in expected.values()]
    assert chart["series"][1]["values"] == [resolved for _, resolved in expected.values()]
    status_chart = figures["charts"]["open_by_status"]
    assert status_chart["series"][0]["values"] == list(EXPECTED_BY_STATUS.values())
    assert status_chart["labels"][0] == "New"


def test_in_utc_the_same_tickets_fall_on_utc_days(tickets, manager, settings):
    settings.TIME_ZONE = "UTC"
    figures = dashboard_figures(manager, now=NOW)

    assert figures["created_today"] == 2  # a, b; c was created on the 13th in UTC
    assert figures["resolved_today"] == 1  # h
    daily = {row["day"].isoformat(): row["created"] for row in figures["daily"]}
    assert daily["2026-03-13"] == 3  # c, e, h
    assert daily["2026-03-01"] == 1  # f; j belongs to 28 February in UTC


def test_just_after_local_midnight_today_is_already_the_local_day(tickets, manager):
    # 23:45 UTC on the 13th is 00:45 on the 14th in Paris.
    figures = dashboard_figures(manager, now=at(13, 23, 45))

    assert figures["today"].isoformat() == "2026-03-14"
    assert figures["created_today"] == 3  # a, b, c: the whole local day, not the UTC one (e, h)
    assert figures["daily"][-1]["day"].isoformat() == "2026-03-14"


def test_figures_take_a_constant_number_of_queries(tickets, manager, agent, django_assert_max_num_queries):
    for extra in range(5):
        make(NOW - timedelta(days=extra), assignee=agent)
    with django_assert_max_num_queries(3):
        figures = dashboard_figures(manager, now=NOW)
    assert figures["open_total"] == 14


def test_an_agent_counts_only_the_tickets_they_may_see(tickets, agent, manager, settings):
    settings.AGENT_TICKET_VISIBILITY = "assigned"
    figures = dashboard_figures(agent, now=NOW)

    # The agent is assigned b, c and e only.
    assert figures["open_total"] == 3
    assert by_status(figures)["open"] == 2
    assert by_status(figures)["in_progress"] == 1
    assert figures["unassigned"] == 0
    assert figures["at_risk"] == 1  # b
    assert figures["breached"] == 1  # e
    assert figures["created_today"] == 2  # b, c
    assert figures["resolved_today"] == 0
    assert sum(figures["charts"]["created_resolved"]["series"][0]["values"]) == 3

    settings.AGENT_TICKET_VISIBILITY = "all"
    assert dashboard_figures(agent, now=NOW)["open_total"] == dashboard_figures(manager, now=NOW)["open_total"] == 9


def test_the_admin_site_is_ours_and_keeps_the_registered_models():
    assert isinstance(admin.site, HelpdeskAdminSite)
    assert Ticket in admin.site._registry
    assert admin.site.index_title == "Dashboard"


def dashboard_data(html: str) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the chart data is not on the page"
    return json.loads(match.group(1))


def test_the_admin_index_shows_the_dashboard_to_an_agent(tickets, agent, client):
    client.force_login(agent)
    with time_machine.travel(NOW, tick=False):
        response = client.get("/admin/")

    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["dashboard"]["breached"] == 3
    assert "Helpdesk agent console" in html
    # Our own static files, no CDN.
    assert '<script src="/static/helpdesk/admin/charts.js" defer></script>' in html
    assert 'href="/static/helpdesk/admin/console.css"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    # The cards, each linking to the queue filtered the same way.
    cards = {card["label"]: card for card in response.context["dashboard_cards"]["headline"]}
    assert cards["Breached"]["value"] == 3
    assert cards["At risk"]["url"] == "/admin/tickets/ticket/?sla=at_risk"
    assert "sla=breached&amp;status__in=new%2Copen%2Cin_progress%2Cpending%2Con_hold%2Cescalated%2Creopened" in html
    assert "/admin/tickets/ticket/?status__exact=open" in html
    assert "/admin/tickets/ticket/?created_at__date=2026-03-14" in html
    assert re.search(r'<span class="hd-card__value">4</span>\s*<span class="hd-card__label">Unassigned</span>', html)
    # The chart data and its table fallback.
    data = dashboard_data(html)
    assert data["open_by_status"]["series"][0]["values"] == list(EXPECTED_BY_STATUS.values())
    assert data["created_resolved"]["series"][1]["values"][-1] == 2
    assert '<details class="hd-chart-data">' in html
    assert '<time datetime="2026-03-14">Mar 14</time></th><td>3</td><td>2</td>' in html
    # Django's own index is still there below, the app list's column, but no "Recent actions" box (issue 18).
    assert html.index('<details class="hd-chart-data">') < html.index('<div id="content-main">')
    assert 'id="recent-actions-module"' not in html


def test_the_dashboard_links_open_the_queue_with_the_same_count(tickets, manager, client):
    # Needs the ticket queue's ``sla`` filter and the staff roles' admin rights (tickets/admin/).
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        cards = client.get("/admin/").context["dashboard_cards"]
        for card in [*cards["headline"], *cards["by_status"]]:
            response = client.get(card["url"])
            assert response.status_code == 200, card
            assert response.context["cl"].result_count == card["value"], card


def test_a_customer_cannot_see_the_admin_index(tickets, customer, client):
    client.force_login(customer)
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_ticket_reopened_since_keeps_its_resolution_day(tickets, manager):
    from tickets.services.status import ticket_reopen

    before = dashboard_figures(manager, now=NOW)["daily"]
    resolved = Ticket.objects.filter(status=Status.RESOLVED).order_by("resolved_at").last()
    ticket_reopen(actor=manager, ticket=resolved, now=NOW)

    after = dashboard_figures(manager, now=NOW)["daily"]
    assert [day["resolved"] for day in after] == [day["resolved"] for day in before]
    assert sum(day["resolved"] for day in after) > 0
