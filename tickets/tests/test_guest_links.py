"""Guest tickets: submitting with an email address only, and the secret link that follows the ticket."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import NotFound, PermissionDenied, ValidationFailed
from tickets import access, services
from tickets.models import EmailStatus, EventKind, GuestLink, Notification, NotificationKind, Ticket
from tickets.models.guest import SIGNING_SALT
from tickets.services.guests import INVALID_LINK
from tickets.services.notifications import notification_send_email
from tickets.tests.factories import category

K = NotificationKind
GUEST = "gina@example.org"


def open_as_guest(email=GUEST, subject="Cannot print", **kwargs):
    return services.guest_ticket_create(
        email=email,
        name=kwargs.pop("name", "Gina Guest"),
        subject=subject,
        description="Paper jam.",
        category=category(),
        **kwargs,
    )


def send(notification) -> mail.EmailMultiAlternatives:
    assert notification_send_email(notification_id=notification.pk)
    return mail.outbox[-1]


def texts(message) -> str:
    """The plain and HTML bodies of an email, together."""
    return message.body + "".join(content for content, _ in message.alternatives)


@pytest.fixture
def guest_ticket(db):
    return open_as_guest()


@pytest.mark.django_db
class TestGuestTicketCreate:
    def test_makes_a_passwordless_customer_a_portal_ticket_and_a_link(self, settings):
        now = timezone.now()
        ticket, link = open_as_guest(email="Gina@Example.ORG", now=now)
        guest = User.objects.get(email__iexact=GUEST)
        assert not guest.has_usable_password()
        assert (guest.role, guest.full_name, guest.is_active) == ("customer", "Gina Guest", True)
        assert (ticket.requester, ticket.channel, ticket.status) == (guest, "portal", "new")
        assert (link.ticket, link.user, link.revoked_at, link.last_used_at) == (ticket, guest, None, None)
        assert link.expires_at == now + timedelta(days=settings.GUEST_LINK_DAYS)
        assert settings.GUEST_LINK_DAYS == 30

    def test_a_second_request_reuses_the_guest_account_and_keeps_its_name(self):
        first, _ = open_as_guest()
        second, _ = open_as_guest(name="Someone Else")
        assert first.requester_id == second.requester_id
        assert User.objects.filter(email__iexact=GUEST).count() == 1
        assert User.objects.get(email__iexact=GUEST).full_name == "Gina Guest"

    def test_the_confirmation_email_carries_the_guest_link_not_the_login_url(self, guest_ticket):
        ticket, link = guest_ticket
        notification = Notification.objects.get(recipient=ticket.requester, kind=K.TICKET_CREATED)
        assert link.token not in notification.title + notification.body  # stored rows never hold the secret
        message = send(notification)
        assert message.to == [GUEST]
        assert services.guest_link_url(link) in message.body
        assert services.guest_link_url(link) in message.alternatives[0][0]
        assert "/portal/tickets/" not in texts(message)
        assert "keep it to yourself" in message.body

    def test_a_registered_customer_gets_the_ticket_and_emails_with_the_normal_url(self, customer):
        ticket, link = open_as_guest(email=customer.email, name="Not My Name")
        customer.refresh_from_db()
        assert (ticket.requester, link.user) == (customer, customer)
        assert customer.has_usable_password() and customer.full_name != "Not My Name"
        message = send(Notification.objects.get(recipient=customer, kind=K.TICKET_CREATED))
        assert f"/portal/tickets/{ticket.pk}/" in message.body
        assert "/portal/guest/" not in texts(message)

    def test_a_staff_address_is_refused_and_nothing_is_made(self, agent):
        with pytest.raises(PermissionDenied, match="Staff open tickets from the console."):
            open_as_guest(email=agent.email.upper())
        assert (Ticket.objects.count(), GuestLink.objects.count()) == (0, 0)

    def test_a_bad_address_or_subject_leaves_no_guest_account_behind(self):
        with pytest.raises(ValidationFailed) as bad_email:
            open_as_guest(email="not-an-address")
        assert bad_email.value.errors == {"email": ["Enter a valid email address."]}
        with pytest.raises(ValidationFailed) as no_subject:
            open_as_guest(subject="  ")
        assert "subject" in no_subject.value.errors
        assert not User.objects.filter(email__iexact=GUEST).exists()

    def test_a_deactivated_account_cannot_open_tickets_by_email(self, customer):
        customer.is_active = False
        customer.save(update_fields=["is_active"])
        with pytest.raises(PermissionDenied):
            open_as_guest(email=customer.email)
        assert Ticket.objects.count() == 0


@pytest.mark.django_db
class TestResolve:
    def test_token_round_trip(self, guest_ticket, settings):
        ticket, link = guest_ticket
        assert services.guest_link_url(link) == f"{settings.SITE_URL}/portal/guest/{link.token}/"
        resolved = services.guest_link_resolve(link.token)
        assert (resolved.pk, resolved.ticket, resolved.user) == (link.pk, ticket, ticket.requester)
        assert resolved.last_used_at is not None
        # The guest acts as the requester: the usual access rules let them read and reply.
        assert access.can_view_ticket(resolved.user, resolved.ticket)
        services.comment_add(actor=resolved.user, ticket=resolved.ticket, body="Still jammed.")
        assert ticket.comments.get().author == ticket.requester

    def test_the_token_is_not_stored_anywhere_in_the_row(self, guest_ticket):
        _, link = guest_ticket
        row = GuestLink.objects.filter(pk=link.pk).values().get()
        assert link.token not in {str(value) for value in row.values()}
        assert signing.loads(link.token, salt=SIGNING_SALT) == link.pk

    def test_every_link_that_does_not_work_gets_the_same_answer(self, guest_ticket):
        ticket, link = guest_ticket
        other_ticket, revoked = open_as_guest(subject="Another")
        services.guest_link_revoke(actor=revoked.user, link=revoked)
        value, signature = link.token.rsplit(":", 1)
        flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
        tokens = {
            "tampered signature": f"{value}:{flipped}",
            "tampered value": f"{signing.b64_encode(b'2').decode()}:{signature}",
            "other salt": signing.dumps(link.pk, salt="accounts.verify-email"),
            "unknown link": signing.dumps(link.pk + 1000, salt=SIGNING_SALT),
            "not a token": "hello",
            "empty": "",
            "revoked": revoked.token,
        }
        messages = {}
        for name, token in tokens.items():
            with pytest.raises(NotFound) as refused:
                services.guest_link_resolve(token)
            messages[name] = refused.value.message
        assert set(messages.values()) == {INVALID_LINK}
        assert services.guest_link_resolve(link.token).pk == link.pk  # the good one still works

    def test_a_link_expires_after_guest_link_days(self, guest_ticket, settings):
        _, link = guest_ticket
        with time_machine.travel(link.created_at + timedelta(days=settings.GUEST_LINK_DAYS) - timedelta(minutes=1)):
            assert services.guest_link_resolve(link.token).pk == link.pk
        with time_machine.travel(link.created_at + timedelta(days=settings.GUEST_LINK_DAYS, seconds=1)):
            with pytest.raises(NotFound, match=INVALID_LINK):
                services.guest_link_resolve(link.token)

    def test_a_link_for_one_ticket_never_resolves_to_another(self):
        ticket_a, link_a = open_as_guest(subject="A")
        ticket_b, link_b = open_as_guest(subject="B")
        assert link_a.user_id == link_b.user_id  # same guest: only the link's ticket tells them apart
        assert link_a.token != link_b.token
        assert services.guest_link_resolve(link_a.token).ticket_id == ticket_a.pk
        assert services.guest_link_resolve(link_b.token).ticket_id == ticket_b.pk
        # Another guest's link acts as someone who cannot see ticket A at all.
        _, stranger = open_as_guest(email="sam@example.org", subject="C")
        assert not access.can_view_ticket(services.guest_link_resolve(stranger.token).user, ticket_a)

    def test_last_used_is_written_at_most_once_a_minute(self, guest_ticket):
        _, link = guest_ticket
        start = timezone.now()
        services.guest_link_resolve(link.token, now=start)
        services.guest_link_resolve(link.token, now=start + timedelta(seconds=30))
        link.refresh_from_db()
        assert link.last_used_at == start
        services.guest_link_resolve(link.token, now=start + timedelta(minutes=2))
        link.refresh_from_db()
        assert link.last_used_at == start + timedelta(minutes=2)

    def test_a_deactivated_guest_link_stops_working(self, guest_ticket):
        ticket, link = guest_ticket
        User.objects.filter(pk=ticket.requester_id).update(is_active=False)
        with pytest.raises(NotFound, match=INVALID_LINK):
            services.guest_link_resolve(link.token)


@pytest.mark.django_db
class TestEmailsToGuests:
    def test_a_reply_links_to_the_newest_live_link(self, guest_ticket, agent):
        ticket, first = guest_ticket
        second = services.guest_link_renew(email=GUEST, ticket_number=ticket.number)
        services.comment_add(actor=agent, ticket=ticket, body="Try the other tray.")
        message = send(Notification.objects.get(kind=K.PUBLIC_REPLY))
        assert services.guest_link_url(second) in message.body
        assert services.guest_link_url(first) not in message.body
        services.guest_link_revoke(actor=agent, link=second)
        services.comment_add(actor=agent, ticket=ticket, body="Any luck?")
        message = send(Notification.objects.filter(kind=K.PUBLIC_REPLY).latest("id"))
        assert services.guest_link_url(first) in message.body

    def test_without_a_live_link_the_email_falls_back_to_the_portal_url(self, guest_ticket, agent):
        ticket, link = guest_ticket
        services.guest_link_revoke(actor=agent, link=link)
        message = send(Notification.objects.get(recipient=ticket.requester, kind=K.TICKET_CREATED))
        assert f"/portal/tickets/{ticket.pk}/" in message.body and "/portal/guest/" not in texts(message)

    def test_staff_emails_never_carry_a_guest_link(self, guest_ticket, agent):
        ticket, _ = guest_ticket
        services.comment_add(actor=ticket.requester, ticket=ticket, body="Hello?")
        services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        services.comment_add(actor=ticket.requester, ticket=ticket, body="Hello again?")
        message = send(Notification.objects.get(kind=K.PUBLIC_REPLY, recipient=agent))
        assert f"/admin/tickets/ticket/{ticket.pk}/change/" in message.body
        assert "/portal/guest/" not in texts(message)


@pytest.mark.django_db
class TestRenew:
    def test_the_right_address_gets_a_fresh_link_by_email(self, guest_ticket):
        ticket, old = guest_ticket
        link = services.guest_link_renew(email="  GINA@example.org ", ticket_number=ticket.number.lower())
        assert link is not None and link.pk != old.pk and link.ticket == ticket and link.user == ticket.requester
        assert services.guest_link_resolve(old.token).pk == old.pk  # older links keep working
        notification = Notification.objects.get(kind=K.GUEST_LINK)
        assert (notification.recipient, notification.in_app, notification.email_status) == (
            ticket.requester,
            False,
            EmailStatus.PENDING,
        )
        assert link.token not in notification.title + notification.body
        message = send(notification)
        assert message.to == [GUEST] and ticket.number in message.subject
        assert services.guest_link_url(link) in message.body
        assert services.guest_link_url(old) not in message.body
        event = ticket.events.get(kind=EventKind.UPDATED, field="guest_link")
        assert (event.new_value, event.is_internal, event.metadata) == ("renewed", True, {"link_id": link.pk})

    def test_a_registered_requester_is_sent_the_link_they_asked_for(self, customer):
        ticket, _ = open_as_guest(email=customer.email)
        link = services.guest_link_renew(email=customer.email, ticket_number=ticket.number)
        message = send(Notification.objects.get(kind=K.GUEST_LINK))
        assert services.guest_link_url(link) in message.body

    @pytest.mark.parametrize(
        ("email", "number"),
        [("sam@example.org", None), (GUEST, "TICK-19990101-0001"), ("not an address", None), (GUEST, "")],
    )
    def test_anything_else_does_nothing(self, guest_ticket, email, number):
        ticket, _ = guest_ticket
        assert services.guest_link_renew(email=email, ticket_number=ticket.number if number is None else number) is None
        assert GuestLink.objects.count() == 1
        assert not Notification.objects.filter(kind=K.GUEST_LINK).exists()

    def test_at_most_three_renewals_per_ticket_per_hour(self, guest_ticket):
        ticket, _ = guest_ticket
        start = timezone.now()
        made = [
            services.guest_link_renew(email=GUEST, ticket_number=ticket.number, now=start + timedelta(minutes=i))
            for i in range(4)
        ]
        assert [link is not None for link in made] == [True, True, True, False]
        assert Notification.objects.filter(kind=K.GUEST_LINK).count() == 3
        assert GuestLink.objects.count() == 4  # the first link and three renewals
        later = start + timedelta(minutes=61)
        assert services.guest_link_renew(email=GUEST, ticket_number=ticket.number, now=later) is not None

    def test_a_staff_requester_is_never_sent_a_link(self, agent):
        ticket = services.ticket_create(actor=agent, subject="Mine", category=category())
        assert services.guest_link_renew(email=agent.email, ticket_number=ticket.number) is None
        assert not GuestLink.objects.exists()


@pytest.mark.django_db
class TestRevoke:
    def test_the_guest_turns_their_link_off(self, guest_ticket):
        ticket, link = guest_ticket
        revoked = services.guest_link_revoke(actor=link.user, link=link)
        assert revoked.revoked_at is not None
        with pytest.raises(NotFound, match=INVALID_LINK):
            services.guest_link_resolve(link.token)
        event = ticket.events.get(kind=EventKind.UPDATED, field="guest_link")
        assert (event.old_value, event.new_value, event.is_internal, event.actor) == (
            "active",
            "revoked",
            True,
            ticket.requester,
        )

    def test_staff_who_see_the_ticket_turn_it_off_once(self, guest_ticket, agent):
        ticket, link = guest_ticket
        first = services.guest_link_revoke(actor=agent, link=link).revoked_at
        assert services.guest_link_revoke(actor=agent, link=link).revoked_at == first
        assert ticket.events.filter(field="guest_link").count() == 1

    def test_an_outsider_gets_not_found_and_the_link_keeps_working(self, guest_ticket, other_customer):
        _, link = guest_ticket
        _, other_link = open_as_guest(email="sam@example.org", subject="Theirs")
        for outsider in (other_customer, other_link.user):
            with pytest.raises(NotFound, match=INVALID_LINK):
                services.guest_link_revoke(actor=outsider, link=link)
        assert services.guest_link_resolve(link.token).revoked_at is None

    def test_staff_who_cannot_see_the_ticket_get_not_found(self, guest_ticket, agent, settings):
        settings.AGENT_TICKET_VISIBILITY = "assigned"
        _, link = guest_ticket
        with pytest.raises(NotFound):
            services.guest_link_revoke(actor=agent, link=link)
        link.refresh_from_db()
        assert link.revoked_at is None

    def test_a_renewal_email_for_a_link_revoked_before_sending_has_no_link(self, guest_ticket):
        ticket, _ = guest_ticket
        link = services.guest_link_renew(email=GUEST, ticket_number=ticket.number)
        services.guest_link_revoke(actor=link.user, link=link)
        message = send(Notification.objects.get(kind=K.GUEST_LINK))
        assert "turned off" in message.body
        assert services.guest_link_url(link) not in texts(message)
