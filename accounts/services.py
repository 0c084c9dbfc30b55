"""Writes on people: registering customers and managing users."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from accounts.models import Organization, User, UserManager
from accounts.roles import Role
from helpdesk.errors import Conflict, ValidationFailed


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], {"password": list(exc.messages)}) from None


def user_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    role: str = Role.CUSTOMER,
    organization: Organization | None = None,
    is_available: bool = True,
) -> User:
    """Create a user; refuses an email already in use (409) and weak passwords (400)."""
    email = UserManager.normalize_email(email)
    user = User(
        email=email, full_name=full_name.strip(), role=role, organization=organization, is_available=is_available
    )
    if password is None:
        user.set_unusable_password()
    else:
        _check_password(password, user)
        user.set_password(password)
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with this email already exists.", {"email": ["Already registered."]})
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict("An account with this email already exists.", {"email": ["Already registered."]}) from None
    return user


def customer_for_email(*, email: str) -> User:
    """The account with this email, or a new customer without a password (a guest requester)."""
    found = User.objects.filter(email__iexact=UserManager.normalize_email(email)).first()
    return found or user_create(email=email, password=None, role=Role.CUSTOMER)


def user_register(*, email: str, password: str, full_name: str = "") -> User:
    """Self-service sign-up: always a customer."""
    return user_create(email=email, password=password, full_name=full_name, role=Role.CUSTOMER)


def user_set_password(*, user: User, password: str) -> None:
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


def user_deactivate(*, user: User) -> None:
    """Users are deactivated, not deleted: their tickets and comments keep their author."""
    user.is_active = False
    user.save(update_fields=["is_active"])
