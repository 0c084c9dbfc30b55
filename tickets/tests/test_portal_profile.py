"""The portal's profile page: the name, which emails a customer gets, and that notify() honours it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tickets import services
from tickets.models import EmailStatus, Notification, NotificationKind, NotificationPreference
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db

K = NotificationKind
URL = "/portal/account/profile/"


def checked(html: str) -> set[str]:
    """The notification kinds whose email box is ticked on the page."""
    boxes = re.findall(r'<input type="checkbox" name="email_kinds"[^>]*>', html)
    return {re.search(r'value="([^"]+)"', box).group(1) for box in boxes if " checked" in box}


def offered(html: str) -> set[str]:
    return set(re.findall(r'name="email_kinds" value="([^"]+)"', html))


def test_the_url_is_the_one_the_portal_links_to():
    assert reverse("portal-profile") == URL


def test_it_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("account:login"))


def test_a_customer_is_offered_the_kinds_a_customer_gets_with_the_current_choice(client, customer):
    NotificationPreference.objects.create(user=customer, kind=K.PUBLIC_REPLY, email=False, in_app=True)
    client.force_login(customer)
    html = client.get(URL).content.decode()
    assert offered(html) == {K.TICKET_CREATED, K.PUBLIC_REPLY, K.TICKET_RESOLVED}
    # Without a row a kind is on (as notify() reads it); the saved "off" shows unticked.
    assert checked(html) == {K.TICKET_CREATED, K.TICKET_RESOLVED}
    assert f'value="{customer.full_name}"' in html


def test_staff_are_offered_the_staff_kinds_too(client, agent):
    client.force_login(agent)
    html = offered(client.get(URL).content.decode())
    assert {K.TICKET_ASSIGNED, K.INTERNAL_NOTE, K.SLA_BREACHED, K.PUBLIC_REPLY} <= html


def test_saving_changes_the_name_and_the_email_choices_keeping_in_app(client, customer):
    NotificationPreference.objects.create(user=customer, kind=K.PUBLIC_REPLY, email=True, in_app=False)
    client.force_login(customer)
    response = client.post(URL, {"full_name": "  Mary Jackson ", "email_kinds": [K.TICKET_CREATED]}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    customer.refresh_from_db()
    assert customer.full_name == "Mary Jackson"
    rows = {p.kind: (p.email, p.in_app) for p in NotificationPreference.objects.filter(user=customer)}
    assert rows == {
        K.TICKET_CREATED: (True, True),
        K.PUBLIC_REPLY: (False, False),  # the in-app choice made elsewhere stays
        K.TICKET_RESOLVED: (False, True),
    }
    html = response.content.decode()
    assert checked(html) == {K.TICKET_CREATED}
    assert "Your profile has been saved." in html


def test_a_later_notification_respects_the_choice(client, customer, agent):
    client.force_login(customer)
    client.post(URL, {"full_name": customer.full_name, "email_kinds": [K.TICKET_CREATED]})
    ticket = services.ticket_create(actor=customer, subject="Printer jam", category=category())
    services.comment_add(actor=agent, ticket=ticket, body="Looking at it.")
    created = Notification.objects.get(recipient=customer, kind=K.TICKET_CREATED)
    reply = Notification.objects.get(recipient=customer, kind=K.PUBLIC_REPLY)
    assert created.email_status == EmailStatus.PENDING
    # Email off, still shown in the app.
    assert (reply.email_status, reply.in_app) == (EmailStatus.SKIPPED, True)


def test_a_name_is_required_and_the_error_is_tied_to_the_field(client, customer):
    client.force_login(customer)
    response = client.post(URL, {"full_name": "", "email_kinds": [K.TICKET_CREATED]})
    assert response.status_code == 400
    name_input = re.search(r'<input[^>]*name="full_name"[^>]*>', response.content.decode()).group(0)
    assert 'aria-invalid="true"' in name_input and "id_full_name_error" in name_input
    assert not NotificationPreference.objects.filter(user=customer).exists()


def test_an_unknown_kind_is_refused(client, customer):
    client.force_login(customer)
    response = client.post(URL, {"full_name": "X", "email_kinds": [K.INTERNAL_NOTE]})
    assert response.status_code == 400
    assert not NotificationPreference.objects.filter(user=customer).exists()


def test_links_to_the_password_change(client, customer):
    client.force_login(customer)
    assert f'href="{reverse("account:password-change")}"' in client.get(URL).content.decode()


def test_a_post_without_the_csrf_token_is_refused(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    response = client.post(URL, {"full_name": "Changed", "email_kinds": []})
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.full_name != "Changed"
    assert not NotificationPreference.objects.filter(user=customer).exists()
