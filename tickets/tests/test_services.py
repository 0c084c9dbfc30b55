"""The write services: what they change, the events they write, and what they refuse."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from helpdesk.errors import (
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    PreconditionFailed,
    UnsupportedMediaType,
    ValidationFailed,
)
from tickets import services
from tickets.choices import Channel, Status
from tickets.models import Attachment, Comment, EventKind, Tag, Ticket, TicketEvent
from tickets.tests.factories import category

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def new_ticket(actor, **kwargs):
    kwargs.setdefault("category", category())
    return services.ticket_create(actor=actor, subject=kwargs.pop("subject", "VPN drops every hour"), **kwargs)


@pytest.mark.django_db
class TestCreate:
    def test_create_sets_defaults_number_org_and_created_event(self, customer):
        ticket = new_ticket(customer, description="  Since Monday.  ", tags=["VPN", "vpn", " Network Issue "])
        assert ticket.status == Status.NEW
        assert ticket.number.startswith("TICK-")
        assert ticket.description == "Since Monday."
        assert ticket.organization == customer.organization
        assert sorted(ticket.tags.values_list("name", flat=True)) == ["network-issue", "vpn"]
        event = ticket.events.get()
        assert (event.kind, event.actor, event.new_value) == (EventKind.CREATED, customer, ticket.number)

    def test_seed_004_devops_fields_and_upper_case_values(self, agent):
        ticket = new_ticket(
            agent,
            category=category("incident"),
            priority="P1",
            environment="PRODUCTION",
            impact_level="CRITICAL",
            affected_service="PostgreSQL Database",
            channel="API",
        )
        assert (ticket.priority, ticket.environment, ticket.impact_level, ticket.channel) == (
            "urgent",
            "production",
            "critical",
            Channel.API,
        )

    @pytest.mark.parametrize(
        ("field", "kwargs"),
        [
            ("subject", {"subject": "   "}),
            ("priority", {"priority": "whenever"}),
            ("environment", {"environment": "moon"}),
            ("impact_level", {"impact_level": "enormous"}),
        ],
    )
    def test_bad_input_is_refused_and_creates_nothing(self, customer, field, kwargs):
        with pytest.raises(ValidationFailed) as refused:
            new_ticket(customer, **kwargs)
        assert field in refused.value.errors
        assert not Ticket.objects.exists()

    def test_customer_cannot_open_for_someone_else_or_route(self, customer, other_customer, agent, team):
        with pytest.raises(PermissionDenied):
            new_ticket(customer, requester=other_customer)
        with pytest.raises(PermissionDenied):
            new_ticket(customer, assignee=agent)
        with pytest.raises(PermissionDenied):
            new_ticket(customer, team=team)
        assert not Ticket.objects.exists()

    def test_staff_create_with_assignee_opens_it(self, manager, customer, agent):
        ticket = new_ticket(manager, requester=customer, assignee=agent)
        assert (ticket.requester, ticket.assignee, ticket.status) == (customer, agent, Status.OPEN)
        kinds = list(ticket.events.values_list("kind", flat=True))
        assert kinds == [EventKind.CREATED, EventKind.ASSIGNED, EventKind.STATUS_CHANGED]


@pytest.mark.django_db
class TestUpdate:
    def test_one_event_per_changed_field_and_version_bump(self, manager, customer):
        ticket = new_ticket(customer)
        updated = services.ticket_update(
            actor=manager,
            ticket=ticket,
            changes={"subject": "VPN drops hourly", "description": ticket.description, "tags": ["vpn"]},
        )
        assert updated.version == ticket.version + 1
        events = list(updated.events.filter(kind=EventKind.UPDATED).values_list("field", "old_value", "new_value"))
        assert events == [("subject", "VPN drops every hour", "VPN drops hourly"), ("tags", "", "vpn")]

    def test_stale_version_is_refused_and_changes_nothing(self, manager, customer):
        ticket = new_ticket(customer)
        with pytest.raises(PreconditionFailed):
            services.ticket_update(
                actor=manager, ticket=ticket, changes={"subject": "X"}, expected_version=ticket.version + 5
            )
        ticket.refresh_from_db()
        assert ticket.subject == "VPN drops every hour"
        assert ticket.events.count() == 1

    def test_unknown_field_is_refused(self, manager, customer):
        ticket = new_ticket(customer)
        with pytest.raises(ValidationFailed) as refused:
            services.ticket_update(actor=manager, ticket=ticket, changes={"number": "TICK-1"})
        assert "number" in refused.value.errors

    def test_agent_edits_only_assigned_or_unassigned_team_tickets(self, agent, other_agent, customer, team):
        mine = new_ticket(customer)
        services.ticket_assign(actor=agent, ticket=mine, assignee=agent)
        services.ticket_update(actor=agent, ticket=mine, changes={"priority": "high"})
        team_unassigned = new_ticket(customer)
        Ticket.objects.filter(pk=team_unassigned.pk).update(team=team)
        services.ticket_update(actor=agent, ticket=team_unassigned, changes={"priority": "high"})
        someone_elses = new_ticket(customer)
        Ticket.objects.filter(pk=someone_elses.pk).update(team=team, assignee=other_agent)
        with pytest.raises(PermissionDenied):
            services.ticket_update(actor=agent, ticket=someone_elses, changes={"priority": "high"})

    def test_customer_cannot_edit_and_outsider_gets_not_found(self, customer, other_customer):
        ticket = new_ticket(customer)
        with pytest.raises(PermissionDenied):
            services.ticket_update(actor=customer, ticket=ticket, changes={"subject": "Mine"})
        with pytest.raises(NotFound):
            services.ticket_update(actor=other_customer, ticket=ticket, changes={"subject": "Theirs"})


@pytest.mark.django_db
class TestAssign:
    def test_agent_may_take_a_ticket_but_not_give_it(self, agent, other_agent, customer):
        ticket = new_ticket(customer)
        with pytest.raises(PermissionDenied):
            services.ticket_assign(actor=agent, ticket=ticket, assignee=other_agent)
        assert services.ticket_assign(actor=agent, ticket=ticket, assignee=agent).assignee == agent

    def test_team_lead_assigns_within_own_teams_only(self, team_lead, agent, other_agent, customer, team, other_team):
        ticket = new_ticket(customer)
        assert services.ticket_assign(actor=team_lead, ticket=ticket, assignee=agent, team=team).team == team
        with pytest.raises(PermissionDenied):
            services.ticket_assign(actor=team_lead, ticket=ticket, assignee=other_agent)

    def test_only_active_staff_can_be_assignees(self, manager, customer):
        ticket = new_ticket(customer)
        with pytest.raises(ValidationFailed):
            services.ticket_assign(actor=manager, ticket=ticket, assignee=customer)

    def test_assignment_notes_are_kept_and_unassign_is_recorded(self, manager, agent, customer):
        ticket = new_ticket(customer)
        services.ticket_assign(actor=manager, ticket=ticket, assignee=agent, notes="Knows VPNs")
        services.ticket_assign(actor=manager, ticket=ticket, assignee=None)
        events = list(ticket.events.filter(kind=EventKind.ASSIGNED).values_list("old_value", "new_value", "metadata"))
        assert events == [("", agent.email, {"notes": "Knows VPNs"}), (agent.email, "", {})]


@pytest.mark.django_db
class TestComments:
    def test_first_public_staff_reply_meets_first_response(self, customer, agent):
        ticket = new_ticket(customer)
        services.comment_add(actor=agent, ticket=ticket, body="Looking", is_internal=True)
        services.comment_add(actor=customer, ticket=ticket, body="Any news?")
        ticket.refresh_from_db()
        assert ticket.first_responded_at is None
        reply = services.comment_add(actor=agent, ticket=ticket, body="Fixed the tunnel config.")
        ticket.refresh_from_db()
        assert ticket.first_responded_at == reply.created_at

    def test_customer_cannot_write_internal_notes(self, customer):
        ticket = new_ticket(customer)
        with pytest.raises(PermissionDenied):
            services.comment_add(actor=customer, ticket=ticket, body="psst", is_internal=True)
        assert not Comment.objects.exists()

    def test_internal_note_event_is_internal(self, customer, agent):
        ticket = new_ticket(customer)
        services.comment_add(actor=agent, ticket=ticket, body="Customer is on old client", is_internal=True)
        assert ticket.events.get(kind=EventKind.COMMENT_ADDED).is_internal is True

    def test_author_edits_and_admin_deletes(self, customer, agent, admin_user):
        ticket = new_ticket(customer)
        comment = services.comment_add(actor=customer, ticket=ticket, body="First")
        with pytest.raises(PermissionDenied):
            services.comment_edit(actor=agent, comment=comment, body="Hijack")
        services.comment_edit(actor=customer, comment=comment, body="First, corrected")
        comment.refresh_from_db()
        assert (comment.body, comment.edited_at is not None) == ("First, corrected", True)
        with pytest.raises(PermissionDenied):
            services.comment_delete(actor=agent, comment=comment)
        services.comment_delete(actor=admin_user, comment=comment)
        assert not Comment.objects.exists()
        assert ticket.events.filter(kind=EventKind.COMMENT_DELETED, old_value="First, corrected").exists()

    def test_customer_cannot_see_or_touch_internal_note(self, customer, agent):
        ticket = new_ticket(customer)
        note = services.comment_add(actor=agent, ticket=ticket, body="internal", is_internal=True)
        with pytest.raises(NotFound):
            services.comment_delete(actor=customer, comment=note)


@pytest.mark.django_db
class TestAttachments:
    def test_upload_stores_hash_size_type_and_event(self, customer):
        ticket = new_ticket(customer)
        upload = SimpleUploadedFile("../../etc/screen shot.PNG", PNG, content_type="application/octet-stream")
        attachment = services.attachment_add(actor=customer, ticket=ticket, upload=upload)
        assert attachment.filename == "screen_shot.PNG"
        assert (attachment.content_type, attachment.size) == ("image/png", len(PNG))
        import hashlib

        assert attachment.sha256 == hashlib.sha256(PNG).hexdigest()
        assert attachment.file.read() == PNG
        assert ticket.events.filter(kind=EventKind.ATTACHMENT_ADDED, new_value="screen_shot.PNG").exists()

    def test_content_must_match_an_allowed_type(self, customer):
        ticket = new_ticket(customer)
        for name, content in [("evil.png", b"MZ\x90\x00 windows"), ("run.exe", PNG), ("page.html", b"<html>")]:
            with pytest.raises(UnsupportedMediaType):
                services.attachment_add(actor=customer, ticket=ticket, upload=SimpleUploadedFile(name, content))
        assert not Attachment.objects.exists()

    def test_too_large_is_refused_before_storing(self, customer, settings):
        settings.ATTACHMENT_MAX_BYTES = 10
        ticket = new_ticket(customer)
        with pytest.raises(PayloadTooLarge):
            services.attachment_add(actor=customer, ticket=ticket, upload=SimpleUploadedFile("a.txt", b"x" * 11))
        assert not Attachment.objects.exists()

    def test_delete_removes_the_file_after_commit(self, customer, django_capture_on_commit_callbacks):
        ticket = new_ticket(customer)
        attachment = services.attachment_add(
            actor=customer, ticket=ticket, upload=SimpleUploadedFile("log.txt", b"line one\n")
        )
        storage, name = attachment.file.storage, attachment.file.name
        with django_capture_on_commit_callbacks(execute=True):
            services.attachment_delete(actor=customer, attachment=attachment)
        assert not storage.exists(name)


@pytest.mark.django_db
def test_only_admin_deletes_tickets_with_their_files(customer, manager, admin_user, django_capture_on_commit_callbacks):
    ticket = new_ticket(customer)
    attachment = services.attachment_add(actor=customer, ticket=ticket, upload=SimpleUploadedFile("a.txt", b"hi"))
    with pytest.raises(PermissionDenied):
        services.ticket_delete(actor=manager, ticket=ticket)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_delete(actor=admin_user, ticket=ticket)
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()
    assert not attachment.file.storage.exists(attachment.file.name)
    assert Tag.objects.count() == 0


def test_docx_needs_the_word_part():
    import zipfile

    from tickets.files import detect_content_type

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert detect_content_type("report.docx", buffer) is not None
    assert detect_content_type("report.xlsx", buffer) is None
