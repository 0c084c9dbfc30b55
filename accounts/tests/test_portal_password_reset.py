"""The portal's password reset (made and sent by the worker) and password change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import customer_for_email
from accounts.tasks import password_reset_email_task
from accounts.tests.factories import PASSWORD
from accounts.tests.test_portal_accounts import STRONG, link_in, signed_in_id

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("eager")  # the email is the worker's: run its task here
class TestPasswordReset:
    def test_one_email_whose_link_sets_a_new_password_once(self, client, customer, mailoutbox, settings):
        settings.SITE_URL = "https://desk.example.com"
        response = client.post(reverse("account:password-reset"), {"email": customer.email})
        assert response.url == reverse("account:password-reset-done")
        assert len(mailoutbox) == 1 and mailoutbox[0].to == [customer.email]
        path = link_in(mailoutbox[0].body, settings.SITE_URL)
        assert path in mailoutbox[0].alternatives[0][0]  # the HTML part carries the same link
        form_page = client.get(path, follow=True)
        assert form_page.context["validlink"] is True
        set_url = form_page.redirect_chain[-1][0]
        done = client.post(set_url, {"new_password1": STRONG, "new_password2": STRONG})
        assert done.url == reverse("account:password-reset-complete")
        customer.refresh_from_db()
        assert customer.check_password(STRONG)
        assert client.get(path, follow=True).context["validlink"] is False

    def test_an_unknown_address_gets_the_same_answer_and_no_email(self, client, customer, mailoutbox):
        known = client.post(reverse("account:password-reset"), {"email": customer.email}, follow=True)
        unknown = client.post(reverse("account:password-reset"), {"email": "nobody@example.com"}, follow=True)
        assert known.redirect_chain == unknown.redirect_chain
        assert known.content == unknown.content
        assert len(mailoutbox) == 1 and mailoutbox[0].to == [customer.email]

    def test_links_use_site_url_whatever_host_the_request_names(self, client, customer, mailoutbox, settings):
        settings.ALLOWED_HOSTS = ["*"]
        settings.SITE_URL = "https://desk.example.com"
        client.post(reverse("account:password-reset"), {"email": customer.email}, HTTP_HOST="evil.example")
        assert "evil.example" not in mailoutbox[0].body
        assert link_in(mailoutbox[0].body, settings.SITE_URL).startswith("/portal/account/password-reset/")

    def test_a_guest_requester_without_a_password_can_set_one(self, client, mailoutbox):
        guest = customer_for_email(email="guest@example.com")
        assert not guest.has_usable_password()
        client.post(reverse("account:password-reset"), {"email": "guest@example.com"})
        assert [m.to for m in mailoutbox] == [["guest@example.com"]]

    def test_password_change_needs_the_old_one_and_returns_to_the_profile(self, client, customer):
        client.force_login(customer)
        url = reverse("account:password-change")
        wrong = client.post(url, {"old_password": "nope", "new_password1": STRONG, "new_password2": STRONG})
        assert wrong.status_code == 200 and "old_password" in wrong.context["form"].errors
        response = client.post(url, {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG})
        assert response.url == reverse("portal-profile")
        customer.refresh_from_db()
        assert customer.check_password(STRONG)
        assert signed_in_id(client) == customer.pk  # the session survives its own password change


@pytest.mark.django_db
def test_a_reset_request_sends_nothing_itself_the_worker_makes_and_sends_the_link(client, customer, mailoutbox):
    client.post(reverse("account:password-reset"), {"email": customer.email})
    assert mailoutbox == []  # queued: no SMTP round trip in the request, known address or not
    assert password_reset_email_task(customer.pk) is True
    assert len(mailoutbox) == 1 and "/portal/account/password-reset/" in mailoutbox[0].body
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    assert password_reset_email_task(customer.pk) is False  # gone meanwhile: nothing sent
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_with_the_broker_down_the_reset_email_is_sent_at_once(client, customer, mailoutbox, broker_down, caplog):
    response = client.post(reverse("account:password-reset"), {"email": customer.email})
    assert response.url == reverse("account:password-reset-done")
    assert [m.to for m in mailoutbox] == [[customer.email]]
    assert "Broker unreachable" in caplog.text
