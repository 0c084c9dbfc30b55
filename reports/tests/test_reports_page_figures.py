"""The reports page shows the 90th percentiles beside the medians (in words), CSAT as good ratings and reopens."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.tests.helpers import make, with_milestones
from tickets.choices import Status
from tickets.models import EventKind, SatisfactionRating, TicketEvent

pytestmark = pytest.mark.django_db


def test_the_page_shows_percentiles_csat_and_reopens(client, manager, agent):
    day = timezone.now() - timedelta(days=2)
    quick = make(day, Status.IN_PROGRESS, assignee=agent, first_responded_at=day, first_response_minutes=60)
    slow = make(day, Status.IN_PROGRESS, assignee=agent, first_responded_at=day, first_response_minutes=720)
    SatisfactionRating.objects.create(ticket=quick, score=5)
    SatisfactionRating.objects.create(ticket=slow, score=2)
    TicketEvent.objects.create(ticket=slow, kind=EventKind.REOPENED, created_at=day)
    with_milestones(slow)
    client.force_login(manager)

    response = client.get(reverse("admin:reports"))

    assert response.status_code == 200
    html = response.content.decode()
    summary = html[html.index('id="summary-table"') : html.index('id="summary-figures"')]
    # 60 and 720 minutes: median 390 = 6 h 30 min; 90th percentile 60 + 0.9 * 660 = 654 = 10 h 54 min.
    assert "6 h 30 min" in summary and "10 h 54 min" in summary
    figures = html[html.index('id="summary-figures"') :]
    assert "50.0 % good" in figures[:400] and "1 ticket reopened" in figures[:600]
    row = response.context["answers"]["agents"]["results"][0]
    assert (row["p90_first_response"], row["good_percent"]) == (654, 50.0)
    agents_table = html[html.index('id="agents-table"') :]
    assert "10 h 54 min" in agents_table and "<td>50.0</td>" in agents_table


def test_the_page_shows_the_backlog_the_arrivals_and_the_work_figures(client, manager, agent, customer):
    from tickets.services.comments import comment_add
    from tickets.services.status import ticket_resolve, ticket_transition
    from tickets.services.tickets import ticket_create
    from tickets.tests.factories import category

    ticket = ticket_create(actor=customer, subject="Locked out", category=category(), assignee=None)
    comment_add(actor=agent, ticket=ticket, body="Unlocked.")
    ticket_transition(actor=manager, ticket=ticket, to_status="open")
    ticket_resolve(actor=manager, ticket=ticket)
    client.force_login(manager)

    response = client.get(reverse("admin:reports"))

    html = response.content.decode()
    assert response.status_code == 200
    charts = response.context["charts"]
    assert [series["name"] for series in charts["volume"]["series"]] == ["Created", "Resolved", "Reopened"]
    assert charts["backlog"]["series"][0]["values"][-1] == 0  # nothing open at the end of today
    heatmap = html[html.index('id="arrivals-heatmap"') : html.index("</table>", html.index('id="arrivals-heatmap"'))]
    assert heatmap.count("<tr>") == 8  # the hours, then Monday to Sunday
    assert 'style="--heat: 1.0"' in heatmap  # the one ticket's hour is the busiest
    figures = html[html.index('id="summary-figures"') :]
    assert "One-touch resolutions: 100.0 % (1)" in figures and "Replies per resolution: 1.0" in figures
