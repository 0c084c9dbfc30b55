"""People endpoints on the inputs the fuzzer found: the answers keep to the published schema."""

import re

import pytest

from accounts.models import Organization, Team, User

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


@pytest.mark.django_db
class TestUsers:
    def test_admin_creates_a_user_without_a_password_who_cannot_log_in(self, api, admin_user):
        response = api(admin_user).post("/api/v1/users", {"email": "nopass@example.com"}, format="json")
        assert response.status_code == 201, response.content
        user = User.objects.get(email="nopass@example.com")
        assert (user.role, user.has_usable_password()) == ("customer", False)

    def test_duplicate_email_is_a_documented_409(self, api, admin_user, agent, schema):
        response = api(admin_user).post("/api/v1/users", {"email": agent.email.upper()}, format="json")
        assert (response.status_code, response.json()["code"]) == (409, "CONFLICT")
        assert User.objects.filter(email__iexact=agent.email).count() == 1
        assert "409" in schema["paths"]["/api/v1/users"]["post"]["responses"]


@pytest.mark.django_db
class TestTeamsAndOrganizations:
    def test_a_team_without_a_lead_answers_null_as_the_schema_allows(self, api, admin_user, schema):
        response = api(admin_user).post("/api/v1/teams", {"name": "Leaderless"}, format="json")
        assert response.status_code == 201
        assert response.json()["lead"] is None
        lead = schema["components"]["schemas"]["Team"]["properties"]["lead"]
        assert lead.get("nullable") is True

    @pytest.mark.parametrize(("path", "model"), [("/api/v1/organizations", Organization), ("/api/v1/teams", Team)])
    def test_names_without_slug_characters_still_get_distinct_valid_slugs(self, api, admin_user, path, model):
        client = api(admin_user)
        slugs = []
        for name in ("!!!", "???", "日本", "Acme!", "Acme?"):
            response = client.post(path, {"name": name}, format="json")
            assert response.status_code == 201, (name, response.content)
            slugs.append(response.json()["slug"])
        assert all(SLUG.match(slug) for slug in slugs), slugs
        assert (
            len(set(slugs))
            == len(slugs)
            == model.objects.filter(name__in=["!!!", "???", "日本", "Acme!", "Acme?"]).count()
        )

    def test_an_empty_or_taken_slug_given_explicitly_is_a_validation_error(self, api, admin_user):
        client = api(admin_user)
        assert client.post("/api/v1/organizations", {"name": "One", "slug": "one"}, format="json").status_code == 201
        taken = client.post("/api/v1/organizations", {"name": "Two", "slug": "one"}, format="json")
        empty = client.post("/api/v1/organizations", {"name": "Three", "slug": ""}, format="json")
        assert [taken.status_code, empty.status_code] == [400, 400]
        assert "slug" in taken.json()["errors"] and "slug" in empty.json()["errors"]
        assert not Organization.objects.filter(name__in=["Two", "Three"]).exists()
