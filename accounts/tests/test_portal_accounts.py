"""The portal's account pages: sign up, log in and out, password reset and change, email verification, the look."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.portal.views import resend_key
from accounts.roles import Role
from accounts.services import VERIFY_MAX_AGE, email_verification_token
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

STRONG = "a-Quiet-harbour-1987"
SIGNUP = {"email": "new@example.com", "full_name": "Ada Lovelace", "password1": STRONG, "password2": STRONG}


@pytest.fixture(autouse=True)
def _fresh_resend_limit():
    # The resend limit lives in the cache (maybe a shared Redis: never clear it all); each test starts unused.
    keys = [resend_key(email) for email in (SIGNUP["email"], "nobody@example.com", "customer@example.com")]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def signed_in_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def link_in(body: str, site_url: str) -> str:
    """The path of the one link to SITE_URL in an email body."""
    found = re.findall(re.escape(site_url) + r"(/[^\s\"<]+)", body)
    assert found, body
    return found[0]


class FormAudit(HTMLParser):
    """Collects the form controls of a page, their labels, and every absolute URL in an attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for value in attrs.values():
            if value and re.match(r"^(https?:)?//", value):
                self.urls.append(value)
        if tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            if attrs.get("type") not in ("hidden", "submit", "button"):
                self.controls.append({**attrs, "_wrapped": self.label_depth > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1

    def unlabelled(self) -> list[str]:
        return [
            control.get("name", "?")
            for control in self.controls
            if not (control["_wrapped"] or control.get("id") in self.label_for or control.get("aria-label"))
        ]


def audit(html: str) -> FormAudit:
    parser = FormAudit()
    parser.feed(html)
    return parser


class TestSignup:
    def test_signs_in_a_new_customer_who_is_not_staff(self, client):
        response = client.post(reverse("account:signup"), SIGNUP)
        assert response.status_code == 302 and response.url == reverse("portal:home")
        user = User.objects.get(email="new@example.com")
        assert (user.role, user.is_staff, user.is_active) == (Role.CUSTOMER, False, True)
        assert user.full_name == "Ada Lovelace"
        assert signed_in_id(client) == user.pk
        home = client.get(response.url).content.decode()
        assert "Ada Lovelace" in home and reverse("account:logout") in home

    def test_an_email_already_registered_is_an_error_on_the_form_and_creates_nothing(self, client, customer):
        before = User.objects.count()
        response = client.post(reverse("account:signup"), {**SIGNUP, "email": "Customer@Example.com"})
        assert response.status_code == 400
        assert "already exists" in " ".join(response.context["form"].errors["email"])
        assert User.objects.count() == before and signed_in_id(client) is None

    def test_a_weak_password_is_refused_with_the_reason(self, client):
        response = client.post(reverse("account:signup"), {**SIGNUP, "password1": "12345678", "password2": "12345678"})
        assert response.status_code == 400
        errors = " ".join(response.context["form"].errors["password1"])
        assert "too common" in errors or "entirely numeric" in errors
        assert not User.objects.filter(email="new@example.com").exists()

    def test_the_two_passwords_must_match(self, client):
        response = client.post(reverse("account:signup"), {**SIGNUP, "password2": STRONG + "x"})
        assert response.status_code == 400 and "password2" in response.context["form"].errors
        assert not User.objects.filter(email="new@example.com").exists()

    def test_field_errors_are_tied_to_their_inputs(self, client):
        html = client.post(reverse("account:signup"), {**SIGNUP, "email": "not-an-email"}).content.decode()
        email_input = re.search(r"<input[^>]*name=\"email\"[^>]*>", html).group(0)
        assert 'aria-invalid="true"' in email_input
        assert re.search(r'aria-describedby="[^"]*\bid_email_error\b', email_input)
        assert 'id="id_email_error"' in html
        assert 'role="alert"' in html  # the summary of errors above the form


class TestLoginAndLogout:
    def test_log_in_by_email_in_any_case_lands_in_the_portal(self, client, customer):
        response = client.post(reverse("account:login"), {"username": "CUSTOMER@example.com", "password": PASSWORD})
        assert response.status_code == 302 and response.url == reverse("portal:home")
        assert signed_in_id(client) == customer.pk

    def test_staff_who_log_in_here_land_in_the_portal_too(self, client, agent):
        response = client.post(reverse("account:login"), {"username": agent.email, "password": PASSWORD})
        assert response.url == reverse("portal:home") and signed_in_id(client) == agent.pk

    def test_next_is_followed_only_on_this_site(self, client, customer):
        login = reverse("account:login")
        credentials = {"username": customer.email, "password": PASSWORD}
        assert client.post(login, {**credentials, "next": "/portal/tickets/new/"}).url == "/portal/tickets/new/"
        client.logout()
        assert client.post(login, {**credentials, "next": "https://evil.example/"}).url == reverse("portal:home")

    def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(self, client, customer):
        response = client.post(reverse("account:login"), {"username": customer.email, "password": "nope"})
        assert response.status_code == 200 and signed_in_id(client) is None
        html = response.content.decode()
        assert "The email address or the password is not right." in html
        assert reverse("account:verify-resend") not in html

    def test_pages_that_need_a_login_send_people_to_the_portal_login(self, client):
        response = client.get(reverse("portal-profile"))
        assert response.status_code == 302
        assert response.url == f"{reverse('account:login')}?next={reverse('portal-profile')}"

    def test_logout_is_a_post_and_says_so(self, client, customer):
        client.force_login(customer)
        assert client.get(reverse("account:logout")).status_code == 405
        assert signed_in_id(client) == customer.pk
        response = client.post(reverse("account:logout"))
        assert response.status_code == 302 and response.url == reverse("portal:home")
        assert signed_in_id(client) is None
        # The confirmation shows on the next page, announced politely.
        html = client.get(reverse("account:login")).content.decode()
        assert re.search(r'role="status"><ul[^>]*><li[^>]*>You are logged out.', html)


@pytest.fixture
def verification(settings):
    settings.PORTAL_EMAIL_VERIFICATION = True
    settings.SITE_URL = "https://desk.example.com"
    return settings


def sign_up_unverified(client) -> User:
    response = client.post(reverse("account:signup"), SIGNUP)
    assert response.url == reverse("account:verify-sent")
    return User.objects.get(email=SIGNUP["email"])


class TestEmailVerification:
    def test_the_account_waits_for_the_link_then_signs_in(self, client, verification, mailoutbox):
        user = sign_up_unverified(client)
        assert not user.is_active and signed_in_id(client) is None
        assert len(mailoutbox) == 1 and mailoutbox[0].to == [SIGNUP["email"]]
        path = link_in(mailoutbox[0].body, verification.SITE_URL)

        # A GET (what a mail scanner does) shows the button and changes nothing.
        page = client.get(path)
        assert page.status_code == 200 and 'method="post"' in page.content.decode()
        user.refresh_from_db()
        assert not user.is_active

        response = client.post(path)
        assert response.url == reverse("portal:home")
        user.refresh_from_db()
        assert user.is_active and signed_in_id(client) == user.pk

        client.logout()
        assert client.post(path).status_code == 400  # a used link does not sign in again
        assert signed_in_id(client) is None

    def test_logging_in_before_confirming_says_so_and_offers_a_new_link(self, client, verification, mailoutbox):
        sign_up_unverified(client)
        response = client.post(reverse("account:login"), {"username": SIGNUP["email"], "password": STRONG})
        html = response.content.decode()
        assert signed_in_id(client) is None
        assert "You have not confirmed your email address yet." in html
        assert reverse("account:verify-resend") in html
        # Only the password's owner learns the account is unverified.
        wrong = client.post(reverse("account:login"), {"username": SIGNUP["email"], "password": "guess"})
        assert "not confirmed" not in wrong.content.decode()
        assert reverse("account:verify-resend") not in wrong.content.decode()

    def test_an_expired_link_is_refused(self, client, verification, monkeypatch):
        user = sign_up_unverified(client)
        past = timezone.now().timestamp() - VERIFY_MAX_AGE.total_seconds() - 5
        monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: past))
        token = email_verification_token(user=user)
        monkeypatch.undo()
        response = client.post(reverse("account:verify", args=[token]))
        assert response.status_code == 400 and "expired" in response.content.decode()
        user.refresh_from_db()
        assert not user.is_active and signed_in_id(client) is None

    def test_a_forged_link_is_refused(self, client, verification):
        user = sign_up_unverified(client)
        token = email_verification_token(user=user)
        forged = signing.TimestampSigner(salt="accounts.verify-email", key="not-our-key").sign_object(
            {"id": user.pk, "email": user.email}
        )
        tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
        for bad in (forged, tampered):
            response = client.post(reverse("account:verify", args=[bad]))
            assert response.status_code == 400 and "not valid" in response.content.decode()
        user.refresh_from_db()
        assert not user.is_active

    def test_a_link_never_reactivates_an_account_an_admin_deactivated(self, client, verification, customer):
        customer.is_active = False
        customer.last_login = timezone.now()
        customer.save()
        response = client.post(reverse("account:verify", args=[email_verification_token(user=customer)]))
        assert response.status_code == 400
        customer.refresh_from_db()
        assert not customer.is_active

    def test_resending_is_limited_to_one_a_minute_per_address(self, client, verification, mailoutbox):
        sign_up_unverified(client)
        mailoutbox.clear()
        url = reverse("account:verify-resend")
        first = client.post(url, {"email": SIGNUP["email"]}, follow=True)
        assert len(mailoutbox) == 1 and "we sent it a new link" in first.content.decode()
        second = client.post(url, {"email": SIGNUP["email"].upper()}, follow=True)
        assert len(mailoutbox) == 1
        assert re.search(r'role="alert"><ul[^>]*><li[^>]*>We sent a link to this address less', second.content.decode())
        cache.delete(resend_key(SIGNUP["email"]))  # the minute has passed
        client.post(url, {"email": SIGNUP["email"]})
        assert len(mailoutbox) == 2

    def test_resending_reveals_nothing_about_other_addresses(self, client, verification, customer, mailoutbox):
        url = reverse("account:verify-resend")
        unknown = client.post(url, {"email": "nobody@example.com"}, follow=True)
        active = client.post(url, {"email": customer.email}, follow=True)
        assert mailoutbox == []
        for response in (unknown, active):
            assert "If an account waiting for confirmation uses this address" in response.content.decode()

    def test_without_the_setting_sign_up_is_active_at_once(self, client, settings, mailoutbox):
        settings.PORTAL_EMAIL_VERIFICATION = False
        client.post(reverse("account:signup"), SIGNUP)
        assert User.objects.get(email=SIGNUP["email"]).is_active and mailoutbox == []


class TestCsrf:
    def test_posts_without_the_token_are_refused(self, customer):
        client = Client(enforce_csrf_checks=True)
        assert client.post(reverse("account:signup"), SIGNUP).status_code == 403
        assert not User.objects.filter(email=SIGNUP["email"]).exists()
        login = client.post(reverse("account:login"), {"username": customer.email, "password": PASSWORD})
        assert login.status_code == 403 and signed_in_id(client) is None
        client.force_login(customer)
        assert client.post(reverse("account:logout")).status_code == 403
        assert signed_in_id(client) == customer.pk

    def test_posts_with_the_token_pass(self, customer):
        client = Client(enforce_csrf_checks=True)
        page = client.get(reverse("account:login"))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        response = client.post(
            reverse("account:login"),
            {"username": customer.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302 and signed_in_id(client) == customer.pk


ANONYMOUS_PAGES = ["signup", "login", "password-reset", "password-reset-done", "verify-sent"]


class TestLook:
    @pytest.mark.parametrize("name", ANONYMOUS_PAGES)
    def test_pages_label_every_input_and_load_nothing_from_elsewhere(self, client, name):
        response = client.get(reverse(f"account:{name}"))
        assert response.status_code == 200
        html = response.content.decode()
        page = audit(html)
        assert page.unlabelled() == []
        assert page.urls == [] and "http://" not in html and "https://" not in html
        assert 'href="#main"' in html and '<main id="main"' in html
        assert "/static/helpdesk/portal.css" in html

    def test_signed_in_pages_too(self, client, customer):
        client.force_login(customer)
        for url in (reverse("account:password-change"), reverse("portal-profile"), reverse("portal:ticket-new")):
            html = client.get(url).content.decode()
            page = audit(html)
            assert page.controls, url  # the audit saw the form
            assert page.unlabelled() == [], url
            assert page.urls == [], url

    def test_the_audit_notices_what_it_must(self):
        page = audit('<input name="a"><img src="https://cdn.example/x.png"><label><input name="b"></label>')
        assert page.unlabelled() == ["a"] and page.urls == ["https://cdn.example/x.png"]

    def test_the_header_offers_what_an_anonymous_visitor_can_do(self, client):
        html = client.get(reverse("account:login")).content.decode()
        header = html.split("</header>")[0]
        assert f'href="{reverse("account:login")}"' in header and f'href="{reverse("account:signup")}"' in header
        assert reverse("account:logout") not in header and reverse("portal-profile") not in header

    def test_the_header_of_a_signed_in_customer(self, client, customer):
        client.force_login(customer)
        header = client.get(reverse("portal-profile")).content.decode().split("</header>")[0]
        for url in (reverse("portal:home"), reverse("portal:ticket-new"), reverse("portal-profile")):
            assert f'href="{url}"' in header
        assert re.search(r'<form method="post" action="/portal/account/logout/"[^>]*>.*csrfmiddlewaretoken', header)
        assert customer.full_name in header
        assert f'href="{reverse("account:login")}"' not in header

    def test_the_stylesheet_has_focus_styles_and_fetches_nothing(self):
        css = Path(finders.find("helpdesk/portal.css")).read_text(encoding="utf-8")
        assert ":focus-visible" in css and "@media (max-width" in css
        assert "@import" not in css and "url(" not in css and "http" not in css
