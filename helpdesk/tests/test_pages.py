"""The front door, the docs and the health check."""

import pytest

from helpdesk import views


@pytest.mark.django_db
def test_home_links_to_portal_admin_and_api_docs(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    for href in ('href="/portal/"', 'href="/admin/"', 'href="/api/docs/"'):
        assert href in body


@pytest.mark.django_db
def test_portal_and_admin_login_are_served(client):
    portal = client.get("/portal/").content.decode()
    assert 'href="/portal/account/login/"' in portal and 'href="/portal/account/signup/"' in portal
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/admin/login/")
    assert 'name="username"' in response.content.decode()


@pytest.mark.django_db
def test_api_docs_are_served_from_our_own_static_files(client):
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    assert "cdn" not in docs.lower()
    redoc = client.get("/api/redoc/").content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/" in redoc
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")


@pytest.mark.django_db
def test_health_reports_each_check(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "healthy",
        "service": "helpdesk",
        "version": "0.1.0",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }


@pytest.mark.django_db
def test_health_answers_200_degraded_naming_a_lost_cache(client, settings):
    # A real cache client pointed at a port nothing listens on: the site still serves without it.
    settings.CACHES = {
        "default": {"BACKEND": "helpdesk.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["failing"] == ["cache"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"].startswith("error")


@pytest.mark.django_db
def test_health_answers_503_unhealthy_without_the_database(client, monkeypatch):
    def lost() -> None:
        raise OSError("connection refused")

    monkeypatch.setitem(views.CHECKS, "database", lost)
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy" and body["failing"] == ["database"]
    assert body["checks"]["database"] == "error: OSError"
