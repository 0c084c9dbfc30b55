"""Notifications: who is told what, preferences, threaded emails, the outbox and the in-app API."""

import pytest
from django.core import mail
from django.utils import timezone

from helpdesk.celery import app as celery_app
from tickets import services
from tickets.models import EmailStatus, Notification, NotificationKind, NotificationPreference
from tickets.services.notifications import (
    RELAY_GRACE,
    notification_send_email,
    notifications_muted,
    notifications_relay,
)
from tickets.tests.factories import category

K = NotificationKind


def told(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


@pytest.fixture
def ticket(customer, agent, team):
    ticket = services.ticket_create(actor=customer, subject="Printer jam", category=category())
    ticket.team = team
    ticket.save(update_fields=["team"])
    return services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)


@pytest.mark.django_db
class TestWhoIsTold:
    def test_creation_confirms_to_requester_and_tells_the_team(self, customer, agent, team_lead, team, manager):
        services.ticket_create(actor=manager, requester=customer, subject="Phone call", category=category(), team=team)
        assert told(K.TICKET_CREATED) == sorted([customer.email, agent.email, team_lead.email])

    def test_assignment_tells_the_assignee_unless_they_took_it(self, ticket, manager, other_agent, agent):
        assert told(K.TICKET_ASSIGNED) == []  # the agent took it
        services.ticket_assign(actor=manager, ticket=ticket, assignee=other_agent)
        assert told(K.TICKET_ASSIGNED) == [other_agent.email]

    def test_public_replies_reach_the_other_side(self, ticket, customer, agent):
        services.comment_add(actor=customer, ticket=ticket, body="Any news?")
        assert told(K.PUBLIC_REPLY) == [agent.email]
        services.comment_add(actor=agent, ticket=ticket, body="Replacing the fuser.")
        assert told(K.PUBLIC_REPLY) == sorted([agent.email, customer.email])

    def test_internal_notes_reach_assignee_and_lead_never_the_requester(self, ticket, team_lead, manager, agent):
        services.comment_add(actor=manager, ticket=ticket, body="Vendor is slow", is_internal=True)
        assert told(K.INTERNAL_NOTE) == sorted([agent.email, team_lead.email])

    def test_resolution_tells_the_requester_with_a_reopen_link(self, ticket, agent, customer):
        services.ticket_resolve(actor=agent, ticket=ticket, resolution_notes="New fuser fitted.")
        assert told(K.TICKET_RESOLVED) == [customer.email]
        notification = Notification.objects.get(kind=K.TICKET_RESOLVED)
        assert notification_send_email(notification_id=notification.pk)
        body = mail.outbox[-1].body
        assert "New fuser fitted." in body and f"/portal/tickets/{ticket.pk}/" in body and "within 7 days" in body


@pytest.mark.django_db
class TestMuted:
    def test_muting_customers_still_tells_staff(self, customer, agent, team_lead, team, manager):
        with notifications_muted("customers"):
            services.ticket_create(
                actor=manager, requester=customer, subject="From the desk", category=category(), team=team
            )
        assert told(K.TICKET_CREATED) == sorted([agent.email, team_lead.email])

    def test_muting_everyone_tells_nobody_and_ends_with_the_block(self, ticket, customer, agent):
        with notifications_muted("everyone"):
            services.comment_add(actor=agent, ticket=ticket, body="From history")
        assert told(K.PUBLIC_REPLY) == []
        services.comment_add(actor=agent, ticket=ticket, body="Today")
        assert told(K.PUBLIC_REPLY) == [customer.email]

    def test_only_the_two_audiences_can_be_muted(self):
        with pytest.raises(ValueError, match="neither"), notifications_muted("agents"):
            pass


@pytest.mark.django_db
def test_preferences_turn_each_channel_off(customer, agent, team):
    NotificationPreference.objects.create(user=customer, kind=K.TICKET_CREATED, email=False, in_app=True)
    NotificationPreference.objects.create(user=agent, kind=K.TICKET_CREATED, email=False, in_app=False)
    services.ticket_create(actor=customer, subject="x", category=category(), team=None)
    row = Notification.objects.get(kind=K.TICKET_CREATED, recipient=customer)
    assert (row.recipient, row.email_status, row.in_app) == (customer, EmailStatus.SKIPPED, True)
    # The agent turned both channels off; other staff hear of a ticket in no team's queue in the app only.
    assert not Notification.objects.filter(recipient=agent).exists()
    assert Notification.objects.filter(kind=K.TICKET_CREATED).exclude(recipient=customer).exists()
    assert not Notification.objects.exclude(recipient=customer).exclude(email_status=EmailStatus.SKIPPED).exists()


@pytest.mark.django_db
class TestEmails:
    def test_threaded_under_one_root_with_the_number_in_the_subject(self, ticket, customer, agent):
        services.comment_add(actor=agent, ticket=ticket, body="On my way.")
        for notification in Notification.objects.filter(recipient=customer).order_by("id"):
            notification_send_email(notification_id=notification.pk)
        first, reply = mail.outbox
        root = f"<ticket-{ticket.pk}@127.0.0.1>"
        assert first.extra_headers["Message-ID"] == root
        assert "In-Reply-To" not in first.extra_headers
        assert ticket.number in first.subject and ticket.number in reply.subject
        assert (reply.extra_headers["In-Reply-To"], reply.extra_headers["References"]) == (root, root)
        assert reply.extra_headers["Message-ID"] != root
        assert "On my way." in reply.body
        html = reply.alternatives[0][0]
        assert "On my way." in html and "<html" in html

    def test_sending_twice_sends_once(self, ticket, customer):
        notification = Notification.objects.get(recipient=customer, kind=K.TICKET_CREATED)
        assert notification_send_email(notification_id=notification.pk) is True
        assert notification_send_email(notification_id=notification.pk) is False
        assert len(mail.outbox) == 1
        notification.refresh_from_db()
        assert (notification.email_status, notification.email_attempts) == (EmailStatus.SENT, 1)

    def test_a_failed_send_goes_back_to_the_outbox(self, ticket, customer, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
        notification = Notification.objects.get(recipient=customer, kind=K.TICKET_CREATED)
        with pytest.raises(OSError):
            notification_send_email(notification_id=notification.pk)
        notification.refresh_from_db()
        assert (notification.email_status, notification.email_attempts) == (EmailStatus.PENDING, 1)
        assert notification.email_error


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_down_at_create_then_the_relay_delivers_exactly_once(api, customer, monkeypatch, caplog):
    """(a) the broker is unreachable while a ticket is created: the request succeeds, nothing is lost."""
    from kombu.exceptions import OperationalError

    from tickets.tasks import deliver_notification_email

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(deliver_notification_email, "delay", broker_down)
        response = api(customer).post(
            "/api/v1/tickets", {"subject": "Broker down", "category": "general"}, format="json"
        )
    assert response.status_code == 201
    assert "the relay will send it" in caplog.text
    assert mail.outbox == []
    assert Notification.objects.get().email_status == EmailStatus.PENDING

    original = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # the broker is back: the relay's task runs here and now
    try:
        later = timezone.now() + RELAY_GRACE * 2
        assert notifications_relay(now=later) == 1
        assert notifications_relay(now=later) == 0
    finally:
        celery_app.conf.task_always_eager = original
    assert len(mail.outbox) == 1
    assert Notification.objects.get().email_status == EmailStatus.SENT


@pytest.mark.django_db
def test_delivery_task_run_twice_sends_one_email(ticket, customer):
    """(b) the delivery task executed twice for one notification: one email."""
    from tickets.tasks import deliver_notification_email

    notification = Notification.objects.get(recipient=customer, kind=K.TICKET_CREATED)
    deliver_notification_email.apply(args=[notification.pk])
    deliver_notification_email.apply(args=[notification.pk])
    assert len(mail.outbox) == 1


@pytest.mark.django_db
class TestInAppApi:
    def test_list_count_read_and_read_all(self, api, ticket, customer, agent, other_customer):
        services.comment_add(actor=agent, ticket=ticket, body="Update 1")
        services.comment_add(actor=agent, ticket=ticket, body="Update 2")
        client = api(customer)
        page = client.get("/api/v1/notifications").json()
        assert page["unread"] == 3
        listed = page["results"]
        assert [n["kind"] for n in listed] == ["public_reply", "public_reply", "ticket_created"]
        assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 3}
        read = client.post(f"/api/v1/notifications/{listed[0]['id']}/read")
        assert read.json()["is_read"] is True
        assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
        assert len(client.get("/api/v1/notifications?unread=true").json()["results"]) == 2
        assert client.post("/api/v1/notifications/read-all").json() == {"marked": 2}
        assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 0}
        # Someone else's notification is not there.
        assert api(other_customer).post(f"/api/v1/notifications/{listed[0]['id']}/read").status_code == 404

    def test_preferences_round_trip(self, api, customer):
        client = api(customer)
        defaults = client.get("/api/v1/notifications/preferences").json()
        assert {p["kind"] for p in defaults} == set(NotificationKind.values)
        assert all(p["email"] and p["in_app"] for p in defaults)
        changed = client.put(
            "/api/v1/notifications/preferences",
            [{"kind": "public_reply", "email": False, "in_app": True}],
            format="json",
        )
        assert {p["kind"]: p["email"] for p in changed.json()}["public_reply"] is False


def test_rows_written_at_once_read_back_as_the_orm_writes_them(customer, agent, team):
    """notify_many writes its rows in one INSERT: the same instants, and once per recipient, kind and event."""
    from tickets.services.notifications import notify_many

    ticket = services.ticket_create(actor=agent, requester=customer, subject="Instants", category=category(), team=team)
    event = ticket.events.get(kind="created")
    row = Notification.objects.get(recipient=customer, event=event)
    assert row.created_at == event.created_at
    assert (row.title, row.email_attempts, row.read_at) == (f"[{ticket.number}] Ticket created: Instants", 0, None)
    later = Notification.objects.create(
        recipient=customer, ticket=ticket, kind=NotificationKind.PUBLIC_REPLY, title="Later",
        created_at=event.created_at + timezone.timedelta(microseconds=1),
    )  # fmt: skip
    assert list(Notification.objects.filter(recipient=customer).values_list("pk", flat=True)) == [later.pk, row.pk]
    assert Notification.objects.filter(created_at=event.created_at, recipient=customer).get() == row
    before = Notification.objects.count()
    assert notify_many([(event, NotificationKind.TICKET_CREATED, [customer])]) == 1  # asked for, not written twice
    assert Notification.objects.count() == before
