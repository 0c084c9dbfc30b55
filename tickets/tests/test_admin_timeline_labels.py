"""The ticket page's timeline in words people use: labels for values, names for people, times as "3 h ago"."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tickets import services
from tickets.admin.display import ago_words
from tickets.admin.timeline import event_text
from tickets.choices import Status
from tickets.models import EventKind, TicketEvent
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer, team):
    return services.ticket_create(
        actor=team.lead, requester=customer, subject="VPN drops every hour", category=category(), team=team
    )


def timeline_texts(client, user, ticket) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert response.status_code == 200
    return [entry.text for entry in response.context["entries"] if entry.kind == "event"]


def test_status_and_priority_changes_show_labels_not_values(client, agent, ticket):
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.IN_PROGRESS)
    services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.PENDING)
    services.ticket_update(actor=agent, ticket=ticket, changes={"priority": "urgent", "impact_level": "high"})
    texts = timeline_texts(client, agent, ticket)
    assert "Status: New → Open" in texts
    assert "Status: Open → In progress" in texts
    assert "Status: In progress → Pending" in texts
    assert "Priority: Medium → Urgent" in texts
    assert "Impact: — → High" in texts
    assert not any("in_progress" in text or "medium" in text for text in texts)


def test_people_are_named_not_emailed(client, agent, team_lead, ticket):
    services.ticket_assign(actor=team_lead, ticket=ticket, assignee=agent)
    services.ticket_assign(actor=team_lead, ticket=ticket, assignee=None)
    texts = timeline_texts(client, team_lead, ticket)
    assert f"Assigned to {agent.full_name}" in texts
    assert f"Unassigned (was {agent.full_name})" in texts
    assert not any(agent.email in text for text in texts)


def test_a_person_without_a_name_or_gone_is_shown_by_email(ticket):
    event = TicketEvent(ticket=ticket, kind=EventKind.ASSIGNED, field="assignee", new_value="gone@example.com")
    assert event_text(event, {}) == "Assigned to gone@example.com"


def test_a_value_no_longer_known_is_shown_as_stored(ticket):
    event = TicketEvent(ticket=ticket, kind=EventKind.UPDATED, field="status", old_value="waiting", new_value="open")
    assert event_text(event) == "Status: waiting → Open"


def test_times_on_the_page_are_relative_with_the_exact_time_on_hover(client, agent, ticket):
    client.force_login(agent)
    html = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    stamps = re.findall(r'<time class="hd-ago" datetime="([^"]+)" title="([^"]+)">([^<]+)</time>', html)
    assert stamps and all(words == "just now" for _at, _title, words in stamps)
    assert all(str(timezone.localtime(ticket.created_at).year) in title for _at, title, _words in stamps)
    # The SLA timers count down, the due time on hover.
    assert re.search(r'<time class="hd-sla hd-sla-running"[^>]*title="due [^"]+">in \d+h \d+m</time>', html)


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=12), "12 min ago"),
        (timedelta(hours=3, minutes=59), "3 h ago"),
        (timedelta(days=2, hours=5), "2 d ago"),
        (-timedelta(hours=2, minutes=1), "in 2 h"),
    ],
)
def test_ago_words(delta, words):
    now = timezone.now()
    assert ago_words(now - delta, now) == words


def test_weeks_ago_is_a_date():
    now = timezone.now()
    assert re.fullmatch(r"[A-Z][a-z]{2}\.? \d{1,2}(, \d{4})?", ago_words(now - timedelta(days=40), now))
