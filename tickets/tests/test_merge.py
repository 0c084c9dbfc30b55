"""Merging tickets: the conversation moves to the surviving ticket, the other closes with a link."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.errors import InvalidTransition
from tickets import services
from tickets.choices import Status
from tickets.models import Attachment, Comment, EventKind, TicketEvent
from tickets.selectors import tickets_visible_to
from tickets.services.merge import MERGED_STATUS_FIELD
from tickets.services.sla import status_timeline
from tickets.tests.merging import MERGE_AT, PDF, PNG, at, fresh, new_ticket


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
        breach = source.events.get(kind=EventKind.SLA_BREACHED, field="resolution")
        assert (breach.field, breach.created_at) == ("resolution", late)
        # Closed unanswered long after its first-response due time: that late stop is recorded too.
        assert list(source.events.filter(kind=EventKind.SLA_BREACHED).values_list("field", flat=True)) == [
            "resolution",
            "first_response",
        ]


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
