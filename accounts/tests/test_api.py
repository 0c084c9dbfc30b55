"""Auth (JWT with rotation and blacklist) and the people endpoints."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import PASSWORD


def login(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/login", {"email": email, "password": password}, format="json")


@pytest.mark.django_db
class TestAuth:
    def test_login_returns_tokens_and_user(self, api, agent):
        response = login(api(), "AGENT@example.com")
        assert response.status_code == 200
        body = response.json()
        assert body["user"]["email"] == "agent@example.com"
        assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
        me = api()
        me.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
        assert me.get("/api/v1/auth/me").json()["role"] == "agent"

    def test_wrong_password_and_inactive_user_get_401(self, api, agent):
        response = login(api(), agent.email, "wrong")
        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHORIZED"
        agent.is_active = False
        agent.save()
        assert login(api(), agent.email).status_code == 401

    def test_refresh_rotates_and_the_old_refresh_token_dies(self, api, agent):
        first = login(api(), agent.email).json()
        rotated = api().post("/api/v1/auth/refresh", {"refresh": first["refresh"]}, format="json")
        assert rotated.status_code == 200
        assert rotated.json()["refresh"] != first["refresh"]
        reused = api().post("/api/v1/auth/refresh", {"refresh": first["refresh"]}, format="json")
        assert reused.status_code == 401
        assert reused.json()["code"] == "UNAUTHORIZED"

    def test_logout_blacklists_the_refresh_token(self, api, agent):
        tokens = login(api(), agent.email).json()
        assert api().post("/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json").status_code == 204
        again = api().post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
        assert again.status_code == 401

    def test_access_token_expires_after_15_minutes(self, api, agent):
        access = login(api(), agent.email).json()["access"]
        client = api()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            response = client.get("/api/v1/auth/me")
        assert response.status_code == 401
        assert response.json()["code"] == "UNAUTHORIZED"

    def test_register_makes_a_customer_and_refuses_duplicates_and_weak_passwords(self, api):
        body = {"email": "New.Person@Example.com", "password": "a-long-enough-password", "full_name": "New Person"}
        created = api().post("/api/v1/auth/register", body, format="json")
        assert created.status_code == 201
        assert created.json()["user"] == created.json()["user"] | {
            "email": "new.person@example.com",
            "role": "customer",
        }
        duplicate = api().post("/api/v1/auth/register", body | {"email": "new.person@EXAMPLE.com"}, format="json")
        assert duplicate.status_code == 409
        assert duplicate.json()["code"] == "CONFLICT"
        weak = api().post("/api/v1/auth/register", {"email": "w@example.com", "password": "123"}, format="json")
        assert weak.status_code == 400
        assert "password" in weak.json()["errors"]
        assert User.objects.count() == 1

    def test_register_cannot_choose_a_role(self, api):
        api().post(
            "/api/v1/auth/register",
            {"email": "sneaky@example.com", "password": "a-long-enough-password", "role": "admin"},
            format="json",
        )
        assert User.objects.get().role == "customer"

    def test_no_basic_auth(self, api, agent):
        client = api()
        client.credentials(HTTP_AUTHORIZATION="Basic YWdlbnRAZXhhbXBsZS5jb206Y29ycmVjdA==")
        assert client.get("/api/v1/auth/me").status_code == 401

    def test_login_is_throttled(self, api, agent, settings):
        from django.core.cache import cache

        cache.clear()
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"auth": "3/min", "write": "1000/min"},
        }
        statuses = [login(api(), agent.email, "wrong").status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        throttled = login(api(), agent.email)
        assert throttled.json()["code"] == "THROTTLED"
        assert int(throttled["Retry-After"]) > 0
        cache.clear()


@pytest.mark.django_db
class TestPeople:
    def test_admin_creates_a_user_with_a_seed_role_name(self, api, admin_user):
        response = api(admin_user).post(
            "/api/v1/users",
            {"email": "tech@example.com", "role": "TECHNICAL_USER", "password": "a-long-enough-password"},
            format="json",
        )
        assert response.status_code == 201
        assert (response.json()["role"], response.json()["is_staff"]) == ("agent", True)

    def test_role_change_keeps_staff_flag_in_step_and_delete_deactivates(self, api, admin_user, agent):
        client = api(admin_user)
        changed = client.patch(f"/api/v1/users/{agent.pk}", {"role": "customer"}, format="json")
        assert (changed.json()["role"], changed.json()["is_staff"]) == ("customer", False)
        assert client.delete(f"/api/v1/users/{agent.pk}").status_code == 204
        agent.refresh_from_db()
        assert agent.is_active is False

    def test_filters_on_users_and_agents(self, api, manager, agent, customer, team):
        client = api(manager)
        agents = {u["email"] for u in client.get("/api/v1/agents").json()["results"]}
        assert customer.email not in agents
        assert {agent.email, manager.email} <= agents
        assert [u["email"] for u in client.get("/api/v1/users?role=customer").json()["results"]] == [customer.email]
        team_members = {u["email"] for u in client.get(f"/api/v1/users?team={team.pk}").json()["results"]}
        assert agent.email in team_members

    def test_team_with_lead_and_members(self, api, admin_user, agent, team_lead):
        response = api(admin_user).post(
            "/api/v1/teams", {"name": "Night shift", "lead_id": team_lead.pk, "member_ids": [agent.pk]}, format="json"
        )
        assert response.status_code == 201
        body = response.json()
        assert (body["slug"], body["lead"]["id"], [m["id"] for m in body["members"]]) == (
            "night-shift",
            team_lead.pk,
            [agent.pk],
        )
