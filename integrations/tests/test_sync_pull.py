"""Pull: the desks' tickets and comments come in once, by their authors; ours are not echoed; later change wins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from integrations.models import PushState, RemoteComment, RemoteLink, SyncState
from integrations.sync.pull import pull_changes, pull_remote_ticket
from integrations.sync.push import push_ticket
from integrations.tests import sync_support
from integrations.tests.sync_support import fast_desk, zendesk_connection, zoho_connection
from tickets.models import Comment, EventKind, Notification, Ticket, TicketEvent
from tickets.services import comment_add, ticket_create, ticket_transition
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db
zendesk, zoho = sync_support.zendesk, sync_support.zoho
EARLIER = timezone.now() - timedelta(hours=1)


def test_zendesk_pull_brings_tickets_and_comments_by_their_authors(zendesk, agent):
    connection = zendesk_connection(zendesk, created_at=EARLIER)
    remote = zendesk.create_ticket(
        "Cannot log in", "My password fails.", requester_email="new.person@example.com", priority="urgent"
    )
    zendesk_agent = zendesk.create_user("Agent Smith", email=agent.email, role="agent")
    zendesk.add_comment(remote["id"], "Reset it for you.", public=True, author_id=zendesk_agent["id"])
    zendesk.add_comment(remote["id"], "Looks like phishing.", public=False, author_id=zendesk_agent["id"])
    zendesk.set_status(remote["id"], "pending")

    result = pull_changes(connection, desk=fast_desk(connection))

    assert (result.created, result.comments) == (1, 2)
    ticket = Ticket.objects.get(channel="zendesk")
    assert (ticket.subject, ticket.description, ticket.priority, ticket.status) == (
        "Cannot log in",
        "My password fails.",
        "urgent",
        "pending",
    )
    assert ticket.requester.email == "new.person@example.com" and ticket.requester.role == Role.CUSTOMER
    comments = list(ticket.comments.order_by("id").values_list("body", "author__email", "is_internal"))
    assert comments == [("Reset it for you.", agent.email, False), ("Looks like phishing.", agent.email, True)]
    link = RemoteLink.objects.get(ticket=ticket)
    assert link.remote_id == str(remote["id"]) and link.push_state == PushState.SYNCED
    # Zendesk already wrote to the customer about their ticket and the reply: we do not again.
    assert not Notification.objects.filter(recipient=ticket.requester).exists()
    assert SyncState.objects.get(connection=connection, kind="pull_tickets").cursor

    # Nothing new: the second run adds nothing, and pushes nothing back.
    again = pull_changes(connection, desk=fast_desk(connection))
    assert (again.created, again.comments, again.updated) == (0, 0, 0)
    assert zendesk.counters["ticket_update"] == 0 and zendesk.counters["ticket_create"] == 0
    assert link.ticket.comments.count() == 2


def test_our_own_push_is_not_pulled_back(zendesk, customer, agent):
    connection = zendesk_connection(zendesk, created_at=EARLIER)
    ticket = ticket_create(actor=customer, subject="Fax", description="Broken.", category=category())
    comment_add(actor=agent, ticket=ticket, body="Ordering a part.")
    ticket_transition(actor=agent, ticket=ticket, to_status="open")
    push_ticket(connection, ticket, desk=fast_desk(connection))
    events = TicketEvent.objects.filter(ticket=ticket).count()

    result = pull_changes(connection, desk=fast_desk(connection))

    assert result.skipped == 1 and result.created == 0
    assert Comment.objects.filter(ticket=ticket).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    assert RemoteLink.objects.get(ticket=ticket).push_state == PushState.SYNCED


def test_remote_change_applies_without_echo(zendesk, customer, agent):
    connection = zendesk_connection(zendesk, created_at=EARLIER)
    ticket = ticket_create(actor=customer, subject="Fax", description="Broken.", category=category())
    link = push_ticket(connection, ticket, desk=fast_desk(connection))
    zendesk.set_status(int(link.remote_id), "solved")
    zendesk.add_comment(int(link.remote_id), "Fixed on site.", public=True)

    assert pull_remote_ticket(connection, link.remote_id, desk=fast_desk(connection)) == "updated"

    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RESOLVED)
    assert event.actor is None and event.metadata["source"] == "zendesk"
    note = Comment.objects.get(ticket=ticket)
    # The desk's admin is nobody here: the connection's integration user carries it, not the requester.
    assert note.author.email == f"sync+{connection.pk}@integrations.invalid" and note.author.is_staff_role
    assert not note.author.has_usable_password()
    assert RemoteComment.objects.get(comment=note).direction == "pull"
    # The pulled change is not marked for push to the desk it came from.
    assert RemoteLink.objects.get(pk=link.pk).push_state == PushState.SYNCED
    assert pull_remote_ticket(connection, link.remote_id, desk=fast_desk(connection)) == "skipped"


def test_conflict_the_later_change_wins_and_an_event_says_what_was_overwritten(zendesk, customer, agent):
    connection = zendesk_connection(zendesk, created_at=EARLIER)
    ticket = ticket_create(actor=customer, subject="Fax", description="Broken.", category=category())
    link = push_ticket(connection, ticket, desk=fast_desk(connection))
    # The desk changes first; ours comes later and is not pushed yet.
    zendesk.update_ticket(int(link.remote_id), status="pending", priority="low")
    ticket_transition(actor=agent, ticket=ticket, to_status="open")
    # The desk stamps whole seconds and runs ahead on quick changes: make ours clearly the later.
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() + timedelta(minutes=1))

    pull_remote_ticket(connection, link.remote_id, desk=fast_desk(connection))

    ticket.refresh_from_db()
    assert ticket.status == "open"  # ours won (later)
    conflict = TicketEvent.objects.get(ticket=ticket, field="sync_conflict")
    assert conflict.is_internal and conflict.metadata["winner"] == "local"
    assert "status=pending" in conflict.old_value
    push_ticket(connection, ticket, desk=fast_desk(connection))
    assert zendesk.tickets[int(link.remote_id)]["status"] == "open"


def test_conflict_where_the_desk_is_later(zendesk, customer, agent):
    connection = zendesk_connection(zendesk, created_at=EARLIER)
    ticket = ticket_create(actor=customer, subject="Fax", description="Broken.", category=category())
    link = push_ticket(connection, ticket, desk=fast_desk(connection))
    ticket_transition(actor=agent, ticket=ticket, to_status="open")
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    zendesk.update_ticket(int(link.remote_id), status="pending")

    push_ticket(connection, ticket, desk=fast_desk(connection))

    ticket.refresh_from_db()
    assert ticket.status == "pending"
    conflict = TicketEvent.objects.get(ticket=ticket, field="sync_conflict")
    assert conflict.metadata["winner"] == "remote" and "status=open" in conflict.old_value
    assert zendesk.tickets[int(link.remote_id)]["status"] == "pending"


def test_zoho_pull_by_watermark_with_comments(zoho, agent):
    connection = zoho_connection(zoho, created_at=EARLIER)
    UserFactory(email="ada.agent@example.com", role=Role.AGENT)
    remote = zoho.create_ticket("Invoice wrong", contact_email="payer@example.com", description="Twice charged.")
    zoho.add_comment(remote["id"], "Refund on the way.", is_public=True)
    zoho.add_comment(remote["id"], "Check the gateway.", is_public=False)
    zoho.set_status(remote["id"], "On Hold")

    result = pull_changes(connection, desk=fast_desk(connection))

    assert (result.created, result.comments) == (1, 2)
    ticket = Ticket.objects.get(channel="zoho")
    assert ticket.status == "on_hold" and ticket.requester.email == "payer@example.com"
    authors = set(ticket.comments.values_list("author__email", "is_internal"))
    assert authors == {("ada.agent@example.com", False), ("ada.agent@example.com", True)}
    assert SyncState.objects.get(connection=connection, kind="pull_tickets").watermark is not None
    again = pull_changes(connection, desk=fast_desk(connection))
    assert (again.created, again.comments) == (0, 0)


def test_zoho_pull_reads_every_change_from_a_desk_ignoring_the_sort(zoho):
    zoho.search_ignores_sort = True  # newest change first, whatever we ask
    connection = zoho_connection(zoho, created_at=EARLIER)
    remotes = [zoho.create_ticket(f"Ticket {n}", contact_email=f"c{n}@example.com") for n in range(5)]

    result = pull_changes(connection, desk=fast_desk(connection), batch=2)

    assert result.created == 5
    assert sorted(Ticket.objects.filter(channel="zoho").values_list("subject", flat=True)) == [
        f"Ticket {n}" for n in range(5)
    ]
    # The next window starts near the end of the last one: an old ticket changed now is seen.
    zoho.set_status(remotes[0]["id"], "On Hold")
    again = pull_changes(connection, desk=fast_desk(connection), batch=2)
    assert (again.created, again.updated) == (0, 1)
    assert Ticket.objects.get(subject="Ticket 0").status == "on_hold"


def test_a_page_of_known_tickets_costs_a_fixed_number_of_queries(zendesk, django_assert_max_num_queries):
    connection = zendesk_connection(zendesk, created_at=EARLIER)
    for n in range(5):
        zendesk.create_ticket(f"Ticket {n}", "Body", requester_email=f"c{n}@example.com")
    pull_changes(connection, desk=fast_desk(connection))
    SyncState.objects.filter(connection=connection).update(cursor="")
    with django_assert_max_num_queries(14):
        result = pull_changes(connection, desk=fast_desk(connection))
    assert result.skipped == 5


def test_a_ticket_imported_solved_keeps_the_desks_time_in_its_history(zendesk):
    import time_machine

    from tickets.models import Milestone, MilestoneKind

    connection = zendesk_connection(zendesk, created_at=EARLIER - timedelta(days=10))
    solved_at = timezone.now() - timedelta(days=3)
    with time_machine.travel(solved_at - timedelta(hours=5), tick=False):
        remote = zendesk.create_ticket("Old one", "From last week.", requester_email="old@example.com")
    with time_machine.travel(solved_at, tick=False):
        zendesk.set_status(remote["id"], "solved")

    pull_changes(connection, desk=fast_desk(connection))

    ticket = Ticket.objects.get(channel="zendesk")
    resolved = Milestone.objects.get(ticket=ticket, kind=MilestoneKind.RESOLVED)
    # Dated when the desk solved it, not when we imported it: last week's reports count it last week.
    assert abs(resolved.at - solved_at) < timedelta(seconds=2)
    assert ticket.resolved_at == resolved.at
