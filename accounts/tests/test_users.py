"""Users: email login, role-derived staff status, and the seeds' role names."""

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.roles import Role, parse_role
from accounts.tests.factories import PASSWORD, UserFactory


@pytest.mark.django_db
def test_email_is_the_login_and_matched_without_case():
    user = User.objects.create_user("Jane.Doe@Example.COM", PASSWORD)
    assert user.email == "jane.doe@example.com"
    assert authenticate(username="JANE.DOE@example.com", password=PASSWORD) == user
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("jane.doe@EXAMPLE.com", "x")


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "is_staff"), [(r.value, r != Role.CUSTOMER) for r in Role])
def test_staff_status_follows_the_role(role, is_staff):
    user = UserFactory(role=role)
    assert user.is_staff is is_staff
    user.role = Role.CUSTOMER if is_staff else Role.AGENT
    user.save(update_fields=["role"])
    user.refresh_from_db()
    assert user.is_staff is not is_staff


@pytest.mark.django_db
def test_superuser_is_an_admin():
    user = User.objects.create_superuser("root@example.com", PASSWORD)
    assert (user.role, user.is_staff, user.is_superuser) == (Role.ADMIN, True, True)


@pytest.mark.django_db
def test_database_refuses_staff_flag_out_of_step_with_role():
    user = UserFactory(role=Role.CUSTOMER)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_staff=True)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Normal User", Role.CUSTOMER),
        ("TECHNICAL_USER", Role.AGENT),
        ("technical-supervisor", Role.TEAM_LEAD),
        ("System Admin", Role.ADMIN),
        ("DEVOPS_ENGINEER", Role.AGENT),
        ("Manager", Role.MANAGER),
        ("wizard", None),
    ],
)
def test_seed_role_names_map_onto_ours(name, role):
    assert parse_role(name) == role
