"""Wrong passwords are counted per account and client address (in the database); past the limit even the
right one waits. The address is the connection's unless it comes from a trusted proxy (issue 13.5)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import LoginFailure
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW = 600
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}}


def login(client, email, password, address="10.0.0.1"):
    return client.post(reverse("account:login"), {"username": email, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_three_wrong_passwords_then_even_the_right_one_waits_for_the_window(client, customer):
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            wrong = login(client, customer.email, "wrong-guess")
            assert wrong.status_code == 200
        response = login(client, customer.email, PASSWORD)
        assert response.status_code == 200 and not signed_in(client)
        # The same answer as any wrong password: nothing tells a guesser the limit is reached.
        said = response.context["form"].non_field_errors()
        assert said and said == wrong.context["form"].non_field_errors()
    with time_machine.travel(T0 + timedelta(seconds=601), tick=False):
        assert login(client, customer.email, PASSWORD).status_code == 302 and signed_in(client)


def test_another_address_is_counted_apart_and_success_resets(client, customer):
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            login(client, customer.email, "wrong-guess")
        assert login(client, customer.email, PASSWORD, address="10.0.0.2").status_code == 302
        client.logout()
        for _ in range(2):
            login(client, customer.email, "wrong-guess", address="10.0.0.2")
        assert login(client, customer.email, PASSWORD, address="10.0.0.2").status_code == 302


def test_the_api_login_is_throttled_too(api, customer):
    client = api(None)
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            assert client.post("/api/v1/auth/login", {"email": customer.email, "password": "x"}).status_code == 401
        refused = client.post("/api/v1/auth/login", {"email": customer.email, "password": PASSWORD})
        assert refused.status_code == 401 and refused.json()["code"] == "UNAUTHORIZED"


PROXY = "10.0.0.1"


def test_a_varied_forged_forwarded_header_does_not_dodge_the_lockout(client, customer, settings):
    settings.TRUSTED_PROXIES = []
    with time_machine.travel(T0, tick=False):
        for n in range(3):
            client.post(
                reverse("account:login"),
                {"username": customer.email, "password": "wrong-guess"},
                REMOTE_ADDR="203.0.113.7",
                HTTP_X_FORWARDED_FOR=f"6.6.6.{n}",
            )
        response = client.post(
            reverse("account:login"),
            {"username": customer.email, "password": PASSWORD},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR="6.6.6.99",
        )
        assert response.status_code == 200 and not signed_in(client)


def test_behind_a_trusted_proxy_the_lockout_keys_on_the_real_client(client, customer, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    def via_proxy(password, forwarded):
        return client.post(
            reverse("account:login"),
            {"username": customer.email, "password": password},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    with time_machine.travel(T0, tick=False):
        for n in range(3):  # the guesser varies what it writes in front of what our proxy adds
            via_proxy("wrong-guess", f"6.6.6.{n}, 198.51.100.1")
        assert via_proxy(PASSWORD, "6.6.6.99, 198.51.100.1").status_code == 200 and not signed_in(client)
        # Someone else behind the same proxy is not locked out by the guesser.
        assert via_proxy(PASSWORD, "198.51.100.2").status_code == 302 and signed_in(client)


def test_an_admin_sees_who_is_locked_out_and_unlocks_them(client, customer, admin_user):
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        for _ in range(3):
            login(client, customer.email, "wrong-guess")
        failure = LoginFailure.objects.get()
        assert (failure.username, failure.address, failure.failures) == (customer.email, "10.0.0.1", 3)

        console = Client()
        console.force_login(admin_user)
        page = console.get(reverse("admin:accounts_loginfailure_changelist"))
        assert page.status_code == 200 and customer.email in page.content.decode()
        console.post(
            reverse("admin:accounts_loginfailure_changelist"),
            {"action": "unlock", "_selected_action": [failure.pk]},
        )
        assert not LoginFailure.objects.exists()
        assert login(client, customer.email, PASSWORD).status_code == 302 and signed_in(client)


def test_an_agent_cannot_see_the_login_failures(client, agent):
    client.force_login(agent)
    assert client.get(reverse("admin:accounts_loginfailure_changelist")).status_code == 403


def test_the_admin_login_is_locked_out_too(client, admin_user):
    def admin_login(password):
        return client.post(
            "/admin/login/", {"username": admin_user.email, "password": password}, REMOTE_ADDR="10.0.0.1"
        )

    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            assert admin_login("wrong-guess").status_code == 200
        assert admin_login(PASSWORD).status_code == 200 and not signed_in(client)
