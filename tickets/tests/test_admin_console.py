"""The ticket page of the agent console: timeline, replies, quick actions, collisions, macros' replies."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets import services
from tickets.choices import Status
from tickets.models import Comment, Macro, Ticket
from tickets.tests.factories import category

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer, team):
    return services.ticket_create(
        actor=team.lead, requester=customer, subject="VPN drops every hour", category=category(), team=team
    )


def page_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def seen(client, ticket):
    """Open the page as the agent's browser would, and return the hidden fields it carries."""
    response = client.get(page_url(ticket))
    assert response.status_code == 200
    initial = response.context["fields_form"].initial
    return {"version": initial["version"], "last_event": initial["last_event"]}


def fields_of(ticket, **changes):
    data = {
        "subject": ticket.subject,
        "description": ticket.description,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category_id,
        "team": ticket.team_id or "",
        "assignee": ticket.assignee_id or "",
        "tags": "",
        "environment": "",
        "affected_service": "",
        "impact_level": "",
    }
    return {**data, **changes, "_action": "save"}


class TestTimeline:
    def test_replies_notes_files_and_events_are_interleaved_in_time_order(self, client, agent, customer, ticket):
        services.comment_add(actor=customer, ticket=ticket, body="Still broken this morning.")
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        services.comment_add(actor=agent, ticket=ticket, body="Checked the concentrator logs.", is_internal=True)
        services.attachment_add(
            actor=customer, ticket=ticket, upload=SimpleUploadedFile("screen.png", PNG, content_type="image/png")
        )
        client.force_login(agent)
        html = client.get(page_url(ticket)).content.decode()
        order = [
            html.index("Created " + ticket.number),
            html.index("Still broken this morning."),
            html.index("Assigned to " + agent.full_name),
            html.index("Checked the concentrator logs."),
            html.index("screen.png"),
        ]
        assert order == sorted(order)
        # The internal note is marked as such, visibly apart from public replies.
        note = re.search(r'<li class="hd-entry hd-entry-note">(.*?)</li>', html, re.S).group(1)
        assert "Internal note" in note and "Checked the concentrator logs." in note
        assert "hd-entry-reply" in html

    def test_file_links_download_with_the_agents_session(self, client, agent, customer, ticket):
        services.attachment_add(
            actor=customer, ticket=ticket, upload=SimpleUploadedFile("screen.png", PNG, content_type="image/png")
        )
        client.force_login(agent)
        html = client.get(page_url(ticket)).content.decode()
        href = re.search(r'<a href="([^"]+)">screen.png</a>', html).group(1)
        download = client.get(href)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PNG

    def test_page_query_count_does_not_grow_with_the_conversation(
        self, client, agent, customer, ticket, django_assert_max_num_queries
    ):
        client.force_login(agent)
        for index in range(3):
            services.comment_add(actor=customer, ticket=ticket, body=f"Reply {index}")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            client.get(page_url(ticket))
        for index in range(20):
            services.comment_add(actor=agent, ticket=ticket, body=f"Note {index}", is_internal=index % 2 == 0)
        with django_assert_max_num_queries(len(few)):
            assert client.get(page_url(ticket)).status_code == 200

    def test_header_shows_sla_timers_and_the_requesters_other_tickets(self, client, agent, customer, team, ticket):
        other = services.ticket_create(actor=customer, subject="Printer jams", category=category())
        client.force_login(agent)
        response = client.get(page_url(ticket))
        html = response.content.decode()
        assert "First response" in html and "Resolution" in html and "Standard" in html
        assert ticket.first_response_due_at.isoformat() in html
        assert list(response.context["other_tickets"]) == [other]


class TestReplyBox:
    def test_public_reply_with_files_and_a_status_change(self, client, agent, customer, ticket, mailoutbox):
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        client.force_login(agent)
        data = {
            **seen(client, ticket),
            "body": "Please try the new profile.",
            "status": Status.PENDING,
            "files": [
                SimpleUploadedFile("profile.png", PNG, content_type="image/png"),
                SimpleUploadedFile("steps.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf"),
            ],
            "_action": "reply",
        }
        response = client.post(page_url(ticket), data)
        assert response.status_code == 302
        ticket.refresh_from_db()
        comment = ticket.comments.get()
        assert (comment.body, comment.is_internal, comment.author) == ("Please try the new profile.", False, agent)
        assert sorted(a.filename for a in comment.attachments.all()) == ["profile.png", "steps.pdf"]
        assert ticket.status == Status.PENDING
        assert ticket.first_responded_at is not None

    def test_internal_note_is_internal(self, client, agent, ticket):
        client.force_login(agent)
        response = client.post(page_url(ticket), {**seen(client, ticket), "body": "Escalate?", "_action": "note"})
        assert response.status_code == 302
        note = ticket.comments.get()
        assert note.is_internal
        ticket.refresh_from_db()
        assert ticket.first_responded_at is None  # a note is no response to the customer

    def test_a_refused_file_posts_nothing_and_names_the_file(self, client, agent, ticket):
        client.force_login(agent)
        data = {
            **seen(client, ticket),
            "body": "See attached.",
            "files": [
                SimpleUploadedFile("ok.png", PNG, content_type="image/png"),
                SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
            ],
            "_action": "reply",
        }
        response = client.post(page_url(ticket), data)
        assert response.status_code == 200
        assert "tool.exe" in response.context["reply_form"].errors["files"][0]
        assert not ticket.comments.exists() and not ticket.attachments.exists()
        assert response.context["reply_form"]["body"].value() == "See attached."

    def test_an_empty_reply_is_refused(self, client, agent, ticket):
        client.force_login(agent)
        response = client.post(page_url(ticket), {**seen(client, ticket), "body": "  ", "_action": "reply"})
        assert response.status_code == 200
        assert response.context["reply_form"].errors["body"]
        assert not Comment.objects.exists()

    def test_a_status_the_workflow_refuses_is_reported_and_nothing_is_sent(self, client, agent, ticket):
        client.force_login(agent)
        version = seen(client, ticket)
        # 'new' cannot go to 'resolved': the choice is not even offered, so the form refuses it.
        response = client.post(page_url(ticket), {**version, "body": "Done", "status": "resolved", "_action": "reply"})
        assert response.status_code == 200
        assert "status" in response.context["reply_form"].errors
        assert not Comment.objects.exists()


class TestMacroReplies:
    """The reply box inserts a macro's reply (what canned responses were), as it did the canned response's."""

    @pytest.fixture
    def macro(self, db):
        return Macro.objects.create(
            name="Need details",
            reply="Hello {requester_name}, about {ticket_number}: a screenshot please. {agent_name}",
            status=Status.PENDING,
        )

    def test_rendered_for_this_ticket_and_agent_on_the_page(self, client, agent, customer, ticket, macro):
        client.force_login(agent)
        response = client.get(page_url(ticket))
        [offered] = response.context["composer_macros"]
        expected = (
            f"Hello {customer.get_full_name()}, about {ticket.number}: a screenshot please. {agent.get_full_name()}"
        )
        assert offered["body"] == expected
        assert 'id="macro-replies"' in response.content.decode()

    def test_only_macros_with_a_reply_are_offered_to_insert(self, client, agent, ticket, macro):
        Macro.objects.create(name="Just close", status=Status.CLOSED)
        client.force_login(agent)
        response = client.get(page_url(ticket))
        assert [m["title"] for m in response.context["composer_macros"]] == ["Need details"]
        assert [str(m) for m in response.context["reply_form"].fields["reply_macro"].queryset] == ["Need details"]

    def test_sent_without_javascript_fills_the_message_and_sets_the_status(self, client, agent, ticket, macro):
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        client.force_login(agent)
        response = client.post(page_url(ticket), {**seen(client, ticket), "reply_macro": macro.pk, "_action": "reply"})
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.comments.get().body.startswith("Hello ")
        assert ticket.number in ticket.comments.get().body
        assert ticket.status == Status.PENDING

    def test_unknown_placeholders_are_refused_when_saved_in_the_admin(self, client, admin_user):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:tickets_macro_add"),
            {"name": "Oops", "reply": "Hi {customer}", "position": 0, "status": "", "priority": "", "is_active": "on"},
        )
        assert response.status_code == 200
        assert "Unknown placeholder customer" in response.content.decode()
        assert not Macro.objects.exists()

    def test_agents_use_them_but_only_managers_and_admins_write_them(self, client, agent, manager, macro):
        client.force_login(agent)
        assert client.get(reverse("admin:tickets_macro_changelist")).status_code == 200
        assert client.get(reverse("admin:tickets_macro_add")).status_code == 403
        client.force_login(manager)
        assert client.get(reverse("admin:tickets_macro_add")).status_code == 200


class TestQuickActions:
    def test_assign_to_me_then_resolve(self, client, agent, ticket):
        client.force_login(agent)
        assert client.post(page_url(ticket), {**seen(client, ticket), "_action": "assign_me"}).status_code == 302
        ticket.refresh_from_db()
        assert (ticket.assignee, ticket.status) == (agent, Status.OPEN)
        assert client.post(page_url(ticket), {**seen(client, ticket), "_action": "resolve"}).status_code == 302
        ticket.refresh_from_db()
        assert ticket.status == Status.RESOLVED

    def test_only_actions_the_workflow_allows_are_offered(self, client, agent, ticket):
        client.force_login(agent)
        # 'new' is resolved or escalated through 'open', as the workflow allows (issue 18).
        offered = dict(client.get(page_url(ticket)).context["quick_actions"])
        assert set(offered) == {"assign_me", "resolve", "escalate"}
        services.ticket_transition(actor=agent, ticket=ticket, to_status=Status.OPEN)
        services.ticket_resolve(actor=agent, ticket=ticket)
        offered = dict(client.get(page_url(ticket)).context["quick_actions"])
        assert set(offered) == {"assign_me"}  # 'resolved' can be neither resolved nor escalated


class TestFields:
    def test_saving_changed_fields_goes_through_the_services(self, client, team_lead, ticket, agent):
        client.force_login(team_lead)
        data = fields_of(ticket, subject="VPN drops hourly", priority="high", assignee=agent.pk, tags="vpn, network")
        response = client.post(page_url(ticket), {**seen(client, ticket), **data})
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert (ticket.subject, ticket.priority, ticket.assignee) == ("VPN drops hourly", "high", agent)
        assert sorted(tag.name for tag in ticket.tags.all()) == ["network", "vpn"]
        kinds = list(ticket.events.values_list("kind", flat=True))
        assert {"updated", "priority_changed", "assigned"} <= set(kinds)

    @pytest.mark.parametrize("role", ["agent", "team_lead", "manager"])
    def test_assignee_choices_follow_the_role(self, client, request, role, agent, other_agent, team_lead, ticket):
        services.ticket_assign(actor=team_lead, ticket=ticket, assignee=agent)
        user = request.getfixturevalue(role)
        client.force_login(user)
        choices = set(client.get(page_url(ticket)).context["fields_form"].fields["assignee"].queryset)
        expected = {
            "agent": {agent},
            "team_lead": {agent, team_lead},
            "manager": {agent, other_agent, team_lead, user},
        }[role]
        assert choices == expected

    def test_an_agent_outside_the_team_cannot_change_fields(self, client, other_agent, ticket):
        client.force_login(other_agent)
        version = seen(client, ticket)
        response = client.post(page_url(ticket), {**version, **fields_of(ticket, subject="Hijacked")})
        ticket.refresh_from_db()
        assert ticket.subject == "VPN drops every hour"
        assert response.status_code == 302  # the disabled fields kept their values: nothing changed

    def test_agent_may_not_assign_to_someone_else(self, client, agent, other_agent, ticket):
        client.force_login(agent)
        response = client.post(page_url(ticket), {**seen(client, ticket), **fields_of(ticket, assignee=other_agent.pk)})
        assert response.status_code == 200
        assert "assignee" in response.context["fields_form"].errors
        ticket.refresh_from_db()
        assert ticket.assignee is None


class TestCollision:
    def test_a_stale_save_is_refused_shows_what_changed_and_overwrites_nothing(
        self, client, team_lead, manager, ticket
    ):
        client.force_login(team_lead)
        opened = seen(client, ticket)
        services.ticket_update(actor=manager, ticket=ticket, changes={"priority": "urgent"})
        response = client.post(page_url(ticket), {**opened, **fields_of(ticket, subject="Mine now")})
        assert response.status_code == 409
        html = response.content.decode()
        assert "Someone else changed this ticket after you opened it" in html
        assert "Priority: Medium → Urgent" in html
        assert str(manager) in html
        ticket.refresh_from_db()
        assert (ticket.subject, ticket.priority) == ("VPN drops every hour", "urgent")
        # The draft is kept, now based on the current version: sending again is deliberate.
        form = response.context["fields_form"]
        assert form["subject"].value() == "Mine now"
        assert int(form["version"].value()) == ticket.version
        # What the other person changed shows its new value, so saving the draft again keeps it.
        assert form["priority"].value() == "urgent"
        again = {**{name: form[name].value() for name in form.fields}, "_action": "save"}
        assert client.post(page_url(ticket), {k: v for k, v in again.items() if v is not None}).status_code == 302
        ticket.refresh_from_db()
        assert (ticket.subject, ticket.priority) == ("Mine now", "urgent")

    def test_a_stale_reply_keeps_the_draft_and_posts_nothing(self, client, agent, customer, ticket):
        client.force_login(agent)
        opened = seen(client, ticket)
        services.comment_add(actor=customer, ticket=ticket, body="Never mind, it works now.")
        response = client.post(page_url(ticket), {**opened, "body": "Try restarting.", "_action": "reply"})
        assert response.status_code == 409
        assert "Added a reply" in response.content.decode()
        assert list(ticket.comments.values_list("body", flat=True)) == ["Never mind, it works now."]
        assert response.context["reply_form"]["body"].value() == "Try restarting."

    def test_a_stale_quick_action_is_refused(self, client, agent, manager, ticket):
        client.force_login(agent)
        opened = seen(client, ticket)
        services.ticket_assign(actor=manager, ticket=ticket, assignee=manager)
        response = client.post(page_url(ticket), {**opened, "_action": "assign_me"})
        assert response.status_code == 409
        ticket.refresh_from_db()
        assert ticket.assignee == manager


class TestNewTicket:
    def test_agent_opens_a_ticket_for_a_new_requester(self, client, agent, team):
        client.force_login(agent)
        response = client.post(
            reverse("admin:tickets_ticket_add"),
            {
                "requester_email": "caller@example.org",
                "subject": "Phone: cannot print",
                "description": "Called at 9:10.",
                "category": category("technical").pk,
                "priority": "high",
                "team": team.pk,
                "assignee": agent.pk,
                "tags": "phone, printer",
            },
        )
        ticket = Ticket.objects.get()
        assert response.status_code == 302 and response.url == page_url(ticket)
        assert (ticket.requester.email, ticket.channel, ticket.assignee) == ("caller@example.org", "admin", agent)
        assert ticket.status == Status.OPEN

    def test_a_refusal_of_the_service_shows_on_the_form(self, client, agent, other_agent):
        client.force_login(agent)
        response = client.post(
            reverse("admin:tickets_ticket_add"),
            {
                "requester_email": "caller@example.org",
                "subject": "Phone",
                "category": category().pk,
                "priority": "low",
                "assignee": other_agent.pk,
            },
        )
        assert response.status_code == 200
        assert "You may not assign this ticket to that person." in response.content.decode()
        assert not Ticket.objects.exists()


class TestGuestLinks:
    def test_staff_see_and_revoke_a_guest_link_on_the_ticket_page(self, client, agent):
        from tickets.models import GuestLink
        from tickets.services.guests import guest_ticket_create

        ticket, link = guest_ticket_create(
            email="walk.in@example.org", subject="Wi-Fi", description="Drops.", category=category()
        )
        client.force_login(agent)
        response = client.get(page_url(ticket))
        assert list(response.context["guest_links"]) == [link]
        response = client.post(page_url(ticket), {**seen(client, ticket), "_action": "revoke_link", "link": link.pk})
        assert response.status_code == 302
        assert GuestLink.objects.get().revoked_at is not None
        assert list(client.get(page_url(ticket)).context["guest_links"]) == []
