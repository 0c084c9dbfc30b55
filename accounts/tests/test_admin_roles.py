"""Who may use which part of the admin: customers never, staff the console, admins the configuration."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ADMIN_ONLY = [
    "accounts_user",
    "accounts_team",
    "accounts_organization",
    "tickets_slapolicy",
    "tickets_businesscalendar",
    "tickets_category",
    "tickets_tag",
    "tickets_comment",
    "tickets_ticketevent",
]
STAFF = ["tickets_ticket", "tickets_macro"]


def test_customers_cannot_enter_the_admin(client, customer):
    response = client.post(reverse("admin:login"), {"username": customer.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Please enter the correct email address and password for a staff account" in response.content.decode()
    client.force_login(customer)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    assert client.get(reverse("admin:tickets_ticket_changelist")).status_code == 302


@pytest.mark.parametrize("role", ["agent", "team_lead", "manager"])
def test_staff_work_tickets_but_not_the_configuration(client, role, request):
    user = request.getfixturevalue(role)
    client.force_login(user)
    for name in STAFF:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    for name in ADMIN_ONLY:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403, name
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:tickets_ticket_changelist") in index
    assert reverse("admin:accounts_user_changelist") not in index


def test_admins_manage_everything(client, admin_user):
    client.force_login(admin_user)
    for name in [*STAFF, *ADMIN_ONLY]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name


class TestUserAdmin:
    def test_a_user_created_as_agent_is_staff_and_as_customer_is_not(self, client, admin_user):
        client.force_login(admin_user)
        for email, role, staff in [("new.agent@example.com", "agent", True), ("buyer@example.org", "customer", False)]:
            response = client.post(
                reverse("admin:accounts_user_add"),
                {"email": email, "full_name": "New", "role": role, "password1": PASSWORD, "password2": PASSWORD},
            )
            assert response.status_code == 302, response.content.decode()[:2000]
            assert User.objects.get(email=email).is_staff is staff

    def test_changing_the_role_changes_staff_status(self, client, admin_user, agent):
        client.force_login(admin_user)
        url = reverse("admin:accounts_user_change", args=[agent.pk])
        form = client.get(url).context["adminform"].form
        data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
        data.update(role=Role.CUSTOMER, is_active="on", date_joined_0="2026-01-01", date_joined_1="00:00:00")
        data.pop("is_superuser", None)
        data.pop("last_login", None)
        data.pop("date_joined", None)
        response = client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        agent.refresh_from_db()
        assert (agent.role, agent.is_staff) == (Role.CUSTOMER, False)

    def test_a_superuser_must_keep_the_admin_role(self, client, admin_user, agent):
        client.force_login(admin_user)
        url = reverse("admin:accounts_user_change", args=[agent.pk])
        response = client.post(url, {"email": agent.email, "role": Role.AGENT, "is_superuser": "on", "is_active": "on"})
        assert response.status_code == 200
        assert "A superuser has the Admin role" in response.content.decode()
        agent.refresh_from_db()
        assert (agent.is_superuser, agent.role) == (False, Role.AGENT)
