"""Writes on people: registering customers and managing users."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.db import IntegrityError, transaction
from django.utils import timezone

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


# --- Portal sign-up: email verification and the profile ---------------------

# How long a verification link works (PRODUCT: "a signed link, max age 3 days").
VERIFY_MAX_AGE = timedelta(days=3)
_VERIFY_SALT = "accounts.verify-email"


def user_register_unverified(*, email: str, password: str, full_name: str = "") -> User:
    """Self-service sign-up that waits for the email address to be confirmed: the account stays inactive."""
    with transaction.atomic():
        user = user_register(email=email, password=password, full_name=full_name)
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


def awaiting_verification(user: User) -> bool:
    """An account that signed up and has not confirmed its email yet.

    The User model has no "verified" flag, so the state is read from what sign-up
    leaves: inactive and never logged in. An account an admin deactivated after
    it had been used keeps its last login and is never reactivated by a link.
    """
    return not user.is_active and user.last_login is None and user.role == Role.CUSTOMER


def email_verification_token(*, user: User) -> str:
    """A signed, timestamped token naming the account and the address it confirms."""
    return TimestampSigner(salt=_VERIFY_SALT).sign_object({"id": user.pk, "email": user.email})


def _token_refused(message: str, reason: str) -> ValidationFailed:
    # ``reason`` (expired, invalid, used) lets a face word the refusal in its own language.
    return ValidationFailed(message, {"token": [message]}, reason=reason)


def verification_token_user(*, token: str, max_age: timedelta = VERIFY_MAX_AGE) -> User:
    """The account a verification token names, if it still waits; refuses forged, expired and used tokens (400)."""
    try:
        data = TimestampSigner(salt=_VERIFY_SALT).unsign_object(token, max_age=max_age)
    except SignatureExpired:
        raise _token_refused("This link has expired.", "expired") from None
    except BadSignature:
        raise _token_refused("This link is not valid.", "invalid") from None
    # The address is part of the token: a link sent to an old address confirms nothing.
    user = User.objects.filter(pk=data.get("id"), email=data.get("email")).first()
    if user is None or not awaiting_verification(user):
        raise _token_refused("This link is not valid or was already used.", "used")
    return user


def user_verify_email(*, token: str, max_age: timedelta = VERIFY_MAX_AGE) -> User:
    """Activate the account a verification token names (see ``verification_token_user`` for what is refused)."""
    user = verification_token_user(token=token, max_age=max_age)
    # A conditional update claims the activation, so two clicks at once activate once.
    claimed = User.objects.filter(pk=user.pk, is_active=False, last_login__isnull=True).update(is_active=True)
    if not claimed:
        raise _token_refused("This link is not valid or was already used.", "used")
    user.is_active = True
    return user


def user_update_profile(*, user: User, full_name: str) -> User:
    """Change what a user may change about themselves in the portal: their name."""
    user.full_name = full_name.strip()
    user.save(update_fields=["full_name"])
    return user


def user_email_bounced(*, email: str, reason: str, now: datetime | None = None) -> int:
    """Record that mail to ``email`` bounced (shown on the user in the console); how many users matched."""
    return User.objects.filter(email__iexact=UserManager.normalize_email(email)).update(
        email_bounced_at=now or timezone.now(), email_bounce_reason=(reason or "delivery failed")[:500]
    )
