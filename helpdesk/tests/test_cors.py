"""CORS: browser clients on listed origins may call /api/; nothing is open by default."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from helpdesk.env import env_origins

APP = "https://app.example.com"


def preflight(client, origin, path="/api/v1/tickets", headers="authorization, content-type, idempotency-key"):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def test_no_origin_is_allowed_by_default(client, settings):
    assert settings.CORS_ALLOWED_ORIGINS == []
    response = preflight(client, APP)
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/auth/me", HTTP_ORIGIN=APP)


def test_a_listed_origin_gets_a_preflight_with_the_api_headers(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [APP, "http://localhost:3000"]
    response = preflight(client, APP)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    allowed = {name.strip() for name in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key", "if-match"} <= allowed
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.django_db
def test_a_listed_origin_reads_answers_and_their_headers(api, agent, settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]
    response = api(agent).get("/api/v1/auth/me", HTTP_ORIGIN=APP)
    assert response.json()["email"] == agent.email
    assert response["Access-Control-Allow-Origin"] == APP
    exposed = {name.strip() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"Retry-After", "ETag", "Location", "Content-Disposition"} <= exposed


def test_an_unlisted_origin_gets_no_allow_origin(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]
    for origin in ("https://evil.example.com", "https://app.example.com.evil.net", "null"):
        assert "Access-Control-Allow-Origin" not in preflight(client, origin), origin


def test_pages_outside_the_api_get_no_cors_headers(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]
    assert "Access-Control-Allow-Origin" not in client.get("/health", HTTP_ORIGIN=APP)
    assert "Access-Control-Allow-Origin" not in preflight(client, APP, path="/portal/")


def test_origins_setting_is_checked(monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", " https://app.example.com , http://localhost:3000,http://[::1]:8080")
    assert env_origins("CORS_ALLOWED_ORIGINS") == [
        "https://app.example.com",
        "http://localhost:3000",
        "http://[::1]:8080",
    ]
    for bad in ("*", "app.example.com", "https://app.example.com/", "https://app.example.com/path", "ftp://x.org"):
        monkeypatch.setenv("CORS_ALLOWED_ORIGINS", bad)
        with pytest.raises(ImproperlyConfigured, match="CORS_ALLOWED_ORIGINS"):
            env_origins("CORS_ALLOWED_ORIGINS")
