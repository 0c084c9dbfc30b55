"""Access tokens carry role and email beside user_id, at login and after a refresh."""

import jwt
import pytest
from django.conf import settings

from accounts.roles import Role
from accounts.tests.factories import PASSWORD


def _claims(token: str) -> dict:
    # Verified with the key, as another service holding JWT_SECRET_KEY would.
    return jwt.decode(token, settings.JWT_SIGNING_KEY, algorithms=["HS256"])


@pytest.mark.django_db
class TestTokenClaims:
    def test_login_access_token_carries_id_role_and_email(self, api, team_lead):
        body = api().post("/api/v1/auth/login", {"email": team_lead.email, "password": PASSWORD}).json()
        claims = _claims(body["access"])
        assert claims["token_type"] == "access"
        assert (claims["user_id"], claims["role"], claims["email"]) == (
            str(team_lead.pk),
            "team_lead",
            team_lead.email,
        )

    def test_register_gives_a_customer_token(self, api):
        body = (
            api()
            .post(
                "/api/v1/auth/register",
                {
                    "email": "new@example.com",
                    "password": "a-long-pass-phrase-2026",
                    "first_name": "N",
                    "last_name": "C",
                },
            )
            .json()
        )
        claims = _claims(body["access"])
        assert (claims["role"], claims["email"]) == ("customer", "new@example.com")

    def test_refresh_issues_an_access_token_with_the_current_role(self, api, agent):
        first = api().post("/api/v1/auth/login", {"email": agent.email, "password": PASSWORD}).json()
        agent.role = Role.TEAM_LEAD
        agent.email = "lead.now@example.com"
        agent.save()
        refreshed = api().post("/api/v1/auth/refresh", {"refresh": first["refresh"]}).json()
        claims = _claims(refreshed["access"])
        assert (claims["user_id"], claims["role"], claims["email"]) == (
            str(agent.pk),
            "team_lead",
            "lead.now@example.com",
        )
        # The rotated refresh token carries them too, and still works.
        again = api().post("/api/v1/auth/refresh", {"refresh": refreshed["refresh"]}).json()
        assert _claims(again["access"])["role"] == "team_lead"

    def test_a_token_with_claims_still_authenticates(self, api, manager):
        access = api().post("/api/v1/auth/login", {"email": manager.email, "password": PASSWORD}).json()["access"]
        client = api()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        assert client.get("/api/v1/auth/me").json()["email"] == manager.email
