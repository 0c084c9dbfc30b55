"""Wrong passwords are counted per account and address; past the limit even the right one waits."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

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
