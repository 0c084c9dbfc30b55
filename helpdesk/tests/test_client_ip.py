"""The client's address (issue 13.5): X-Forwarded-For is believed only from a trusted proxy, read from
the right; the API's login throttle keys on it, so a forged header buys no fresh budget."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from rest_framework.test import APIClient

from helpdesk.client_ip import client_ip
from helpdesk.tests.redis_server import settings_for

PROXY = "10.0.0.1"


def address(remote: str, forwarded: str | None = None) -> str:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert address("203.0.113.7", "198.51.100.1") == "203.0.113.7"


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        (PROXY, "198.51.100.1", "198.51.100.1"),  # the proxy says who connected to it
        (PROXY, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # what the client wrote before it is not read
        (PROXY, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),  # through two of our proxies
        (PROXY, "198.51.100.1, not-an-address", PROXY),  # garbage where our proxy writes: the proxy
        (PROXY, "", PROXY),
        (PROXY, None, PROXY),
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # not from a trusted proxy: a forgery
        (PROXY, " 2001:db8::1 ", "2001:db8::1"),
        (PROXY, "198.51.100.1:51234", "198.51.100.1"),  # a load balancer that writes the client's port
        (PROXY, "[2001:db8::1]:51234", "2001:db8::1"),
        ("::ffff:10.0.0.1", "198.51.100.1", "198.51.100.1"),  # the proxy seen through an IPv6 socket
        ("::ffff:203.0.113.7", "198.51.100.1", "203.0.113.7"),  # a client so seen, still not a proxy
    ],
)
def test_behind_a_trusted_proxy_the_rightmost_untrusted_address_is_the_client(settings, remote, forwarded, client):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert address(remote, forwarded) == client


def test_a_bad_trusted_proxies_value_stops_the_start():
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES: 'ten.0.0.1' is not an IP address or network"):
        settings_for("", TRUSTED_PROXIES="10.0.0.1, ten.0.0.1")
    assert settings_for("", TRUSTED_PROXIES="10.0.0.0/8, 192.0.2.1")["TRUSTED_PROXIES"] == ["10.0.0.0/8", "192.0.2.1"]


@pytest.mark.django_db
class TestAuthThrottle:
    @pytest.fixture(autouse=True)
    def tight(self, settings):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"auth": "3/min", "write": "600/min"},
        }
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ip"}}

    def attempts(self, **meta) -> list[int]:
        client = APIClient()
        return [
            client.post(
                "/api/v1/auth/login",
                {"email": "a@example.com", "password": "x"},
                HTTP_X_FORWARDED_FOR=f"6.6.6.{n}",
                **meta,
            ).status_code
            for n in range(5)
        ]

    def test_a_varied_forged_header_does_not_dodge_the_login_throttle(self, settings):
        settings.TRUSTED_PROXIES = []
        assert self.attempts(REMOTE_ADDR="203.0.113.7") == [401, 401, 401, 429, 429]

    def test_nor_does_one_sent_through_our_proxy(self, settings):
        settings.TRUSTED_PROXIES = [PROXY]
        codes = [
            APIClient()
            .post(
                "/api/v1/auth/login",
                {"email": "a@example.com", "password": "x"},
                REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 198.51.100.1",
            )
            .status_code
            for n in range(5)
        ]
        assert codes == [401, 401, 401, 429, 429]
        # Another client behind the same proxy has a budget of its own.
        other = APIClient().post(
            "/api/v1/auth/login",
            {"email": "a@example.com", "password": "x"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="198.51.100.2",
        )
        assert other.status_code == 401
