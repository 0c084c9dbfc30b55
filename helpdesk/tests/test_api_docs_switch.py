"""API_DOCS_PUBLIC=false: the schema and docs pages are for staff only; others get the API's 404."""

import pytest

DOCS = ["/api/schema/", "/api/docs/", "/api/redoc/"]


@pytest.fixture
def hidden(settings):
    settings.API_DOCS_PUBLIC = False


@pytest.mark.django_db
@pytest.mark.parametrize("path", DOCS)
def test_hidden_docs_answer_404_to_anonymous_and_customers(api, customer, hidden, path):
    for client in (api(), api(customer)):
        response = client.get(path)
        assert response.status_code == 404
        body = response.json()
        assert (body["code"], body["message"]) == ("NOT_FOUND", f"There is no API endpoint at {path}.")
        assert "openapi" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", DOCS)
def test_hidden_docs_still_open_for_staff_by_token_or_session(api, client, agent, hidden, path):
    response = api(agent).get(path, HTTP_ACCEPT="application/vnd.oai.openapi+json" if "schema" in path else "*/*")
    assert response.status_code == 200
    client.force_login(agent)
    page = client.get(path)
    assert page.status_code == 200
    assert ("openapi" in page.content.decode()) if "schema" in path else ("<html" in page.content.decode().lower())


@pytest.mark.django_db
def test_hidden_schema_refuses_an_inactive_staff_session(client, agent, hidden):
    client.force_login(agent)
    agent.is_active = False
    agent.save()
    assert client.get("/api/schema/").status_code == 404


@pytest.mark.parametrize("path", DOCS)
def test_docs_are_public_by_default(client, settings, path):
    assert settings.API_DOCS_PUBLIC is True
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_the_home_page_links_the_docs_only_where_they_open(client, agent, hidden):
    assert 'href="/api/docs/"' not in client.get("/").content.decode()
    client.force_login(agent)
    assert 'href="/api/docs/"' in client.get("/").content.decode()
