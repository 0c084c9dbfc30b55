"""Webhooks in the console: admins register and run endpoints; nobody else sees them; the secret stays put."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tickets import services as tickets
from tickets.tests.factories import category
from webhooks.models import SUBSCRIBABLE, Delivery, DeliveryStatus, Endpoint, WebhookEvent
from webhooks.tests.conftest import ALL_EVENTS

pytestmark = pytest.mark.django_db

PAGES = [
    "admin:webhooks_endpoint_changelist",
    "admin:webhooks_endpoint_add",
    "admin:webhooks_delivery_changelist",
]


def action(client, model, name, ids):
    url = reverse(f"admin:webhooks_{model}_changelist")
    return client.post(url, {"action": name, "_selected_action": [str(pk) for pk in ids]}, follow=True)


class TestRegistering:
    def test_an_admin_registers_an_endpoint_and_tickets_reach_it(self, client, commit, admin_user, receiver, customer):
        client.force_login(admin_user)
        add = reverse("admin:webhooks_endpoint_add")
        data = {
            "name": "Ops",
            "url": receiver.url,
            "events": ["ticket.created", "ticket.commented"],
            "is_active": "on",
        }
        with commit():
            response = client.post(add, data, follow=True)
        assert response.status_code == 200, response.content
        endpoint = Endpoint.objects.get()
        assert (endpoint.owner, endpoint.events, endpoint.include_internal) == (
            admin_user,
            ["ticket.commented", "ticket.created"],
            False,
        )
        assert str(endpoint.secret).startswith("whsec_") and len(str(endpoint.secret)) > 40
        receiver.secret = str(endpoint.secret)
        page = client.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])).content.decode()
        assert str(endpoint.secret) in page and "Reveal" in page  # revealable to the admin on its own page
        with commit():
            tickets.ticket_create(actor=customer, subject="Hello", category=category())
        assert receiver.events() == ["ticket.created"] and receiver.received[0].signature_ok

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("ftp://example.com/hook", "Only http:// and https://"),
            ("https://user:secret@example.com/hook", "must not carry a user name or password"),
            ("not a url", "Only http:// and https://"),
        ],
    )
    def test_a_bad_url_is_refused_with_a_reason(self, client, admin_user, url, message):
        client.force_login(admin_user)
        response = client.post(
            reverse("admin:webhooks_endpoint_add"), {"name": "Bad", "url": url, "events": ["ticket.created"]}
        )
        assert response.status_code == 200 and message in response.content.decode()
        assert not Endpoint.objects.exists()

    def test_the_add_page_offers_every_event_and_no_secret_field(self, client, admin_user):
        client.force_login(admin_user)
        page = client.get(reverse("admin:webhooks_endpoint_add")).content.decode()
        for value, _label in SUBSCRIBABLE:
            assert f'value="{value}"' in page
        assert 'value="ping"' not in page and 'name="secret"' not in page
        assert "include internal notes" in page.lower()

    def test_choosing_no_event_is_refused(self, client, admin_user):
        client.force_login(admin_user)
        response = client.post(reverse("admin:webhooks_endpoint_add"), {"name": "None", "url": "https://example.com"})
        assert response.status_code == 200 and not Endpoint.objects.exists()


class TestPages:
    def test_the_list_shows_health_but_never_the_secret(
        self, client, admin_user, endpoint, django_assert_max_num_queries
    ):
        Endpoint.objects.filter(pk=endpoint.pk).update(
            failure_streak=3, last_outcome="HTTP 503", last_attempt_at=timezone.now()
        )
        client.force_login(admin_user)
        url = reverse("admin:webhooks_endpoint_changelist")
        with django_assert_max_num_queries(8):
            page = client.get(url).content.decode()
        assert "Receiver" in page and endpoint.url in page and "HTTP 503" in page and "active" in page
        assert str(Endpoint.objects.get().secret) not in page

    def test_the_delivery_pages_show_attempts_and_body(self, client, commit, admin_user, endpoint, receiver, customer):
        receiver.fail_with(503)
        with commit():
            ticket = tickets.ticket_create(actor=customer, subject="Printer", category=category())
        client.force_login(admin_user)
        delivery = Delivery.objects.get()
        listing = client.get(reverse("admin:webhooks_delivery_changelist") + f"?endpoint__id__exact={endpoint.pk}")
        assert listing.status_code == 200 and "ticket.created" in listing.content.decode()
        page = client.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk])).content.decode()
        assert str(delivery.uuid) in page and "503" in page and ticket.number in page
        assert receiver.secret not in page

    def test_the_delivery_list_runs_a_constant_number_of_queries(
        self, client, commit, admin_user, endpoint, customer, django_assert_max_num_queries
    ):
        client.force_login(admin_user)
        url = reverse("admin:webhooks_delivery_changelist")
        with commit():
            tickets.ticket_create(actor=customer, subject="One", category=category())
        with django_assert_max_num_queries(20) as one:
            client.get(url)
        for n in range(5):
            with commit():
                tickets.ticket_create(actor=customer, subject=f"More {n}", category=category())
        with django_assert_max_num_queries(len(one.captured_queries)):
            client.get(url)

    @pytest.mark.parametrize("who", ["agent", "team_lead", "manager", "customer"])
    def test_nobody_but_admins_sees_webhooks(self, client, request, who, endpoint):
        client.force_login(request.getfixturevalue(who))
        for name in PAGES:
            assert client.get(reverse(name)).status_code in (302, 403)
        change = reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])
        assert client.get(change).status_code in (302, 403)
        index = client.get(reverse("admin:index")).content.decode()
        assert "webhooks/endpoint" not in index


class TestActions:
    def test_send_test_event(self, client, commit, admin_user, endpoint, receiver):
        client.force_login(admin_user)
        with commit():
            response = action(client, "endpoint", "send_test_event", [endpoint.pk])
        assert "test event was queued" in response.content.decode()
        [got] = receiver.received
        assert got.event == "ping" and got.signature_ok and got.json["endpoint"]["id"] == endpoint.pk
        assert Delivery.objects.get().event == WebhookEvent.PING

    def test_replay_from_the_console(self, client, commit, admin_user, endpoint, receiver, customer):
        with commit():
            tickets.ticket_create(actor=customer, subject="Printer", category=category())
        client.force_login(admin_user)
        delivery = Delivery.objects.get()
        with commit():
            response = action(client, "delivery", "replay", [delivery.pk])
        assert "1 delivery queued again" in response.content.decode()
        assert [r.delivery for r in receiver.received] == [str(delivery.uuid)] * 2

    def test_resume_a_paused_endpoint(self, client, commit, admin_user, endpoint, receiver, customer):
        receiver.fail_with(410)
        with commit():
            tickets.ticket_create(actor=customer, subject="Printer", category=category())
        assert Endpoint.objects.get().status == "paused"
        client.force_login(admin_user)
        page = client.get(reverse("admin:webhooks_endpoint_changelist")).content.decode()
        assert "Receiver is paused: The receiver answered 410 Gone" in page  # told in the console too
        with commit():
            action(client, "endpoint", "resume", [endpoint.pk])
        receiver.answer_ok()
        assert Endpoint.objects.get().status == "active"
        with commit():
            tickets.ticket_create(actor=customer, subject="Printer again", category=category())
        assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 1

    def test_rotate_secret(self, client, commit, admin_user, endpoint, receiver, customer):
        old = receiver.secret
        client.force_login(admin_user)
        action(client, "endpoint", "rotate_secret", [endpoint.pk])
        new = str(Endpoint.objects.get().secret)
        assert new != old
        receiver.secret = new
        with commit():
            tickets.ticket_create(actor=customer, subject="Printer", category=category())
        assert receiver.received[0].signature_ok

    def test_editing_keeps_the_secret_and_owner(self, client, admin_user, endpoint):
        other_admin = type(admin_user).objects.create(email="admin2@example.com", role=admin_user.role)
        client.force_login(other_admin)
        secret = str(Endpoint.objects.get().secret)
        change = reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])
        response = client.post(
            change, {"name": "Renamed", "url": endpoint.url, "events": ALL_EVENTS, "is_active": "on"}
        )
        assert response.status_code == 302
        row = Endpoint.objects.get()
        assert (row.name, str(row.secret), row.owner) == ("Renamed", secret, admin_user)
