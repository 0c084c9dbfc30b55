"""Merging tickets: the conversation moves to the surviving ticket, the other closes with a link."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.errors import InvalidTransition, NotFound, PermissionDenied, PreconditionFailed, ValidationFailed
from tickets import services
from tickets.choices import Status
from tickets.models import Attachment, Comment, EventKind, Ticket, TicketEvent
from tickets.selectors import tickets_visible_to
from tickets.services.merge import MERGED_STATUS_FIELD
from tickets.services.sla import status_timeline
from tickets.tests.factories import category

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MERGE_AT = T0 + timedelta(hours=1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def new_ticket(requester, *, team, subject="VPN drops every hour", minutes=0, **kwargs):
    """A ticket of ``team``, opened by its lead for ``requester``."""
    return services.ticket_create(
        actor=team.lead,
        requester=requester,
        subject=subject,
        category=category(),
        team=team,
        now=at(minutes),
        **kwargs,
    )


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def snapshot(*tickets: Ticket) -> tuple:
    """Everything a refused merge must leave as it was."""
    rows = [fresh(t) for t in tickets]
    return (
        Comment.objects.count(),
        Attachment.objects.count(),
        TicketEvent.objects.count(),
        [(t.version, t.status, t.merged_into_id, t.updated_at) for t in rows],
        sorted(Comment.objects.values_list("id", "ticket_id")),
        sorted(TicketEvent.objects.values_list("id", "ticket_id", "field")),
    )


@pytest.fixture
def pair(customer, team):
    """A target opened first and a duplicate (the source) opened ten minutes later."""
    target = new_ticket(customer, team=team, subject="VPN is down", minutes=0)
    source = new_ticket(customer, team=team, subject="VPN again", description="Since Monday, every hour.", minutes=10)
    return source, target


@pytest.mark.django_db
class TestWhatMoves:
    def test_comments_attachments_and_events_end_on_the_target_in_time_order(self, pair, customer, agent, manager):
        source, target = pair
        services.comment_add(actor=agent, ticket=target, body="Looking at the tunnel.", now=at(20))
        reply = services.comment_add(actor=customer, ticket=source, body="It dropped again.", now=at(25))
        services.attachment_add(actor=customer, ticket=source, upload=SimpleUploadedFile("screen.png", PNG), now=at(30))
        services.attachment_add(
            actor=customer, ticket=source, comment=reply, upload=SimpleUploadedFile("log.pdf", PDF), now=at(32)
        )
        services.comment_add(actor=agent, ticket=target, body="Customer on old client.", is_internal=True, now=at(35))
        services.comment_add(actor=customer, ticket=source, body="And now.", now=at(40))
        source_comments = set(source.comments.values_list("id", flat=True))
        source_attachments = set(source.attachments.values_list("id", flat=True))
        source_events = set(source.events.values_list("id", flat=True))
        counts = (Comment.objects.count(), Attachment.objects.count(), TicketEvent.objects.count())

        merged = services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)

        assert merged.pk == target.pk
        # Nothing lost: the same rows, plus the merge note and the three merge events.
        assert (Comment.objects.count(), Attachment.objects.count(), TicketEvent.objects.count()) == (
            counts[0] + 1,
            counts[1],
            counts[2] + 3,
        )
        assert source_comments <= set(target.comments.values_list("id", flat=True))
        assert set(target.attachments.values_list("id", flat=True)) == source_attachments
        assert source_events <= set(target.events.values_list("id", flat=True))
        assert not source.comments.exists() and not source.attachments.exists()
        bodies = list(target.comments.order_by("created_at", "id").values_list("body", "created_at"))
        assert [body for body, _ in bodies[:-1]] == [
            "Looking at the tunnel.",
            "It dropped again.",
            "Customer on old client.",
            "And now.",
        ]
        assert [when for _, when in bodies] == [at(20), at(25), at(35), at(40), MERGE_AT]
        timeline = list(target.events.order_by("created_at", "id").values_list("kind", "created_at"))
        assert [when for _, when in timeline] == sorted(when for _, when in timeline)
        assert [kind for kind, _ in timeline] == [
            EventKind.CREATED,  # target, t0
            EventKind.CREATED,  # source, t10
            EventKind.COMMENT_ADDED,
            EventKind.COMMENT_ADDED,
            EventKind.ATTACHMENT_ADDED,
            EventKind.ATTACHMENT_ADDED,
            EventKind.COMMENT_ADDED,
            EventKind.COMMENT_ADDED,
            EventKind.MERGED,
        ]
        # The files stay where they were stored, now reached through the target.
        png = target.attachments.get(filename="screen.png")
        assert png.file.read() == PNG
        assert target.attachments.get(filename="log.pdf").comment_id == reply.pk

    def test_an_internal_note_keeps_the_source_subject_and_description(self, pair, manager):
        source, target = pair
        services.ticket_merge(actor=manager, source=source, target=target, note="Duplicate", now=MERGE_AT)
        note = target.comments.get(created_at=MERGE_AT)
        assert note.body == f"Merged from {source.number} «VPN again»:\n\nSince Monday, every hour."
        assert (note.is_internal, note.author) == (True, manager)
        event = target.events.get(kind=EventKind.MERGED)
        assert (event.field, event.new_value, event.actor, event.created_at) == (
            "merged_from",
            source.number,
            manager,
            MERGE_AT,
        )
        assert event.metadata == {"source_id": source.pk, "comment_id": note.pk, "note": "Duplicate"}

    def test_target_gains_the_source_tags_and_the_source_keeps_them(self, customer, team, manager):
        target = new_ticket(customer, team=team, tags=["vpn"])
        source = new_ticket(customer, team=team, tags=["vpn", "network"], minutes=5)
        services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        assert sorted(target.tags.values_list("name", flat=True)) == ["network", "vpn"]
        assert sorted(source.tags.values_list("name", flat=True)) == ["network", "vpn"]
        event = target.events.get(kind=EventKind.UPDATED, field="tags", created_at=MERGE_AT)
        assert (event.old_value, event.new_value) == ("vpn", "network, vpn")

    def test_other_requester_is_recorded_and_nobody_changes_requester(self, customer, other_customer, team, manager):
        target = new_ticket(customer, team=team)
        source = new_ticket(other_customer, team=team, minutes=5)
        services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        assert (fresh(source).requester, fresh(target).requester) == (other_customer, customer)
        event = target.events.get(kind=EventKind.MERGED)
        assert event.metadata["source_requester_id"] == other_customer.pk
        # The source's requester still has their ticket, and it links to where the conversation went.
        assert tickets_visible_to(other_customer).filter(pk=source.pk, merged_into=target).exists()

    def test_tickets_merged_earlier_into_the_source_follow_it(self, customer, team, manager):
        first = new_ticket(customer, team=team)
        middle = new_ticket(customer, team=team, minutes=5)
        last = new_ticket(customer, team=team, minutes=10)
        services.ticket_merge(actor=manager, source=first, target=middle, now=MERGE_AT)
        version = fresh(first).version
        services.ticket_merge(actor=manager, source=middle, target=last, now=MERGE_AT + timedelta(minutes=1))
        first = fresh(first)
        assert (first.merged_into_id, first.version) == (last.pk, version + 1)
        assert first.events.get(kind=EventKind.MERGED).new_value == middle.number  # history stays as it was
        assert last.comments.filter(body__startswith=f"Merged from {first.number}").exists()


@pytest.mark.django_db
class TestTheSourceCloses:
    def test_source_is_closed_with_a_link_and_keeps_its_merge_events(self, pair, manager):
        source, target = pair
        source_version, target_version = fresh(source).version, fresh(target).version
        merged = services.ticket_merge(actor=manager, source=source, target=target, note="Same outage", now=MERGE_AT)
        source = fresh(source)
        assert (source.status, source.merged_into_id, source.closed_at, source.status_changed_at) == (
            Status.CLOSED,
            target.pk,
            MERGE_AT,
            MERGE_AT,
        )
        assert (source.version, source.updated_at) == (source_version + 1, MERGE_AT)
        assert (merged.version, fresh(target).version, fresh(target).updated_at) == (
            target_version + 1,
            target_version + 1,
            MERGE_AT,
        )
        events = list(source.events.values_list("kind", "field", "old_value", "new_value", "metadata", "actor"))
        assert events == [
            (
                EventKind.MERGED,
                "merged_into",
                "",
                target.number,
                {"target_id": target.pk, "note": "Same outage"},
                manager.pk,
            ),
            (EventKind.CLOSED, "status", Status.NEW, Status.CLOSED, {"reason": "merged"}, manager.pk),
        ]

    def test_a_merged_ticket_cannot_be_reopened(self, pair, manager, customer):
        source, target = pair
        services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        with pytest.raises(InvalidTransition, match="merged into another; its conversation continues there"):
            services.ticket_reopen(actor=manager, ticket=fresh(source), now=MERGE_AT + timedelta(hours=1))
        assert fresh(source).status == Status.CLOSED

    @pytest.mark.parametrize(
        ("path", "last"),
        [
            (["in_progress"], Status.IN_PROGRESS),
            (["open", "on_hold"], Status.ON_HOLD),
            (["in_progress", "resolved", "reopened"], Status.REOPENED),
            (["open", "pending"], Status.PENDING),
        ],
    )
    def test_merging_closes_from_statuses_the_table_does_not_close(self, pair, manager, path, last):
        source, target = pair
        for step, status in enumerate(path, start=1):
            services.ticket_transition(actor=manager, ticket=source, to_status=status, now=at(10 + step))
        services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        source = fresh(source)
        assert (source.status, source.merged_into_id) == (Status.CLOSED, target.pk)
        assert source.events.get(kind=EventKind.CLOSED).old_value == last

    def test_resolution_clock_of_a_late_source_records_its_breach(self, pair, manager):
        source, target = pair
        source = fresh(source)
        assert source.resolution_due_at is not None
        late = source.resolution_due_at + timedelta(minutes=1)
        services.ticket_merge(actor=manager, source=source, target=target, now=late)
        source = fresh(source)
        assert source.resolution_breached is True
        breach = source.events.get(kind=EventKind.SLA_BREACHED)
        assert (breach.field, breach.created_at) == ("resolution", late)


@pytest.mark.django_db
class TestTheTargetSla:
    def test_target_clocks_and_first_response_are_left_alone(self, pair, agent, manager):
        source, target = pair
        # The source was answered first and paused; neither is the target's history.
        services.ticket_transition(actor=agent, ticket=source, to_status="open", now=at(11))
        services.comment_add(actor=agent, ticket=source, body="Restart the client.", now=at(12))
        services.ticket_transition(actor=agent, ticket=source, to_status="pending", now=at(13))
        services.ticket_transition(actor=agent, ticket=source, to_status="open", now=at(40))
        services.comment_add(actor=agent, ticket=target, body="On it.", now=at(30))
        target = fresh(target)
        before = (
            target.first_responded_at,
            target.first_response_due_at,
            target.resolution_due_at,
            target.resolution_at_risk_at,
            target.sla_policy_id,
            status_timeline(target),
        )

        services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)

        target = fresh(target)
        after = (
            target.first_responded_at,
            target.first_response_due_at,
            target.resolution_due_at,
            target.resolution_at_risk_at,
            target.sla_policy_id,
            status_timeline(target),
        )
        assert after == before
        assert target.first_responded_at == at(30)
        # The source's status history is there to read, under its own field name.
        moved = list(
            target.events.filter(field=MERGED_STATUS_FIELD).values_list("old_value", "new_value", "created_at")
        )
        assert moved == [
            (Status.NEW, Status.OPEN, at(11)),
            (Status.OPEN, Status.PENDING, at(13)),
            (Status.PENDING, Status.OPEN, at(40)),
        ]
        # A later move of the target counts only the target's own time.
        services.ticket_transition(actor=manager, ticket=target, to_status="in_progress", now=MERGE_AT)
        assert fresh(target).resolution_due_at == before[2]


@pytest.mark.django_db
class TestRefusals:
    def test_a_ticket_cannot_be_merged_into_itself(self, pair, manager):
        source, _ = pair
        before = snapshot(source)
        with pytest.raises(ValidationFailed) as refused:
            services.ticket_merge(actor=manager, source=source, target=fresh(source), now=MERGE_AT)
        assert "target" in refused.value.errors
        assert snapshot(source) == before

    def test_a_closed_source_is_refused(self, pair, manager):
        source, target = pair
        services.ticket_close(actor=manager, ticket=source, now=at(15))
        before = snapshot(source, target)
        with pytest.raises(InvalidTransition, match="is closed") as refused:
            services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        assert "source" in refused.value.errors
        assert snapshot(source, target) == before

    def test_a_closed_target_is_refused(self, pair, manager):
        source, target = pair
        services.ticket_close(actor=manager, ticket=target, now=at(15))
        before = snapshot(source, target)
        with pytest.raises(InvalidTransition, match="closed ticket") as refused:
            services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        assert "target" in refused.value.errors
        assert snapshot(source, target) == before

    def test_a_source_already_merged_is_refused(self, pair, customer, team, manager):
        source, target = pair
        services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        elsewhere = new_ticket(customer, team=team, minutes=20)
        before = snapshot(source, target, elsewhere)
        with pytest.raises(InvalidTransition, match="already been merged"):
            services.ticket_merge(actor=manager, source=source, target=elsewhere, now=MERGE_AT)
        assert snapshot(source, target, elsewhere) == before

    def test_merging_into_a_merged_ticket_is_refused(self, pair, customer, team, manager):
        source, target = pair
        services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        another = new_ticket(customer, team=team, minutes=20)
        before = snapshot(source, target, another)
        with pytest.raises(InvalidTransition, match="merge into that ticket instead") as refused:
            services.ticket_merge(actor=manager, source=another, target=source, now=MERGE_AT)
        assert "target" in refused.value.errors
        assert snapshot(source, target, another) == before

    def test_agent_outside_the_team_may_see_but_not_merge(self, pair, other_agent):
        source, target = pair
        before = snapshot(source, target)
        with pytest.raises(PermissionDenied, match=source.number):
            services.ticket_merge(actor=other_agent, source=source, target=target, now=MERGE_AT)
        assert snapshot(source, target) == before

    def test_agent_must_be_able_to_edit_the_target_too(self, customer, team, other_team, agent, manager):
        source = new_ticket(customer, team=team)
        target = new_ticket(customer, team=team, minutes=5)
        services.ticket_assign(actor=manager, ticket=target, assignee=None, team=other_team, now=at(6))
        before = snapshot(source, target)
        with pytest.raises(PermissionDenied, match=target.number):
            services.ticket_merge(actor=agent, source=source, target=target, now=MERGE_AT)
        assert snapshot(source, target) == before
        # The same agent may merge two tickets of their own team.
        third = new_ticket(customer, team=team, minutes=7)
        services.ticket_merge(actor=agent, source=third, target=source, now=MERGE_AT)
        assert fresh(third).merged_into_id == source.pk

    def test_customer_may_not_merge_even_their_own_tickets(self, pair, customer):
        source, target = pair
        before = snapshot(source, target)
        with pytest.raises(PermissionDenied):
            services.ticket_merge(actor=customer, source=source, target=target, now=MERGE_AT)
        assert snapshot(source, target) == before

    def test_tickets_the_actor_cannot_see_are_not_found(self, pair, other_customer):
        source, target = pair
        before = snapshot(source, target)
        with pytest.raises(NotFound):
            services.ticket_merge(actor=other_customer, source=source, target=target, now=MERGE_AT)
        assert snapshot(source, target) == before

    def test_agent_who_cannot_see_the_target_gets_not_found(self, pair, agent, settings):
        source, target = pair
        services.ticket_assign(actor=agent, ticket=source, assignee=agent, now=at(15))
        settings.AGENT_TICKET_VISIBILITY = "assigned"
        before = snapshot(source, target)
        with pytest.raises(NotFound) as refused:
            services.ticket_merge(actor=agent, source=source, target=target, now=MERGE_AT)
        assert "target" in refused.value.errors
        assert snapshot(source, target) == before

    def test_stale_source_version_is_refused_and_changes_nothing(self, pair, manager):
        source, target = pair
        source = fresh(source)
        before = snapshot(source, target)
        with pytest.raises(PreconditionFailed):
            services.ticket_merge(
                actor=manager, source=source, target=target, expected_version=source.version + 1, now=MERGE_AT
            )
        assert snapshot(source, target) == before

    def test_expected_version_is_the_source_version(self, pair, agent, manager):
        source, target = pair
        services.comment_add(actor=agent, ticket=target, body="Bumps the target.", now=at(20))
        source, target = fresh(source), fresh(target)
        assert source.version != target.version
        services.ticket_merge(
            actor=manager, source=source, target=target, expected_version=source.version, now=MERGE_AT
        )
        assert fresh(source).merged_into_id == target.pk


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_conversation(customer, team, agent, manager):
    def merge_with(comments: int) -> int:
        target = new_ticket(customer, team=team, tags=["vpn"])
        source = new_ticket(customer, team=team, tags=["network"], minutes=1)
        for n in range(comments):
            services.comment_add(actor=customer if n % 2 else agent, ticket=source, body=f"#{n}", now=at(2 + n))
            services.attachment_add(
                actor=customer, ticket=source, upload=SimpleUploadedFile(f"f{n}.png", PNG), now=at(2 + n)
            )
        events = source.events.count()
        with CaptureQueriesContext(connection) as queries:
            services.ticket_merge(actor=manager, source=source, target=target, now=MERGE_AT)
        assert target.comments.count() == comments + 1
        assert target.attachments.count() == comments
        assert target.events.count() == 1 + events + 2  # its created, the source's, merged and tags
        return len(queries)

    assert merge_with(2) == merge_with(20)
