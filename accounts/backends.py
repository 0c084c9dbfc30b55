"""Signing in: Django's model backend, refusing a guesser after a few wrong passwords.

Counts wrong passwords per account name and client address (``helpdesk.client_ip``, so a
forged ``X-Forwarded-For`` changes nothing) in the database (``LoginFailure``), for
``LOGIN_FAILURE_WINDOW`` seconds from the first one; past ``LOGIN_FAILURE_LIMIT`` even the right
password is refused until the window ends or an admin unlocks the row. Every face signs in through
``authenticate()`` (admin, portal, API), so all are covered; the answer stays "invalid email or
password", no oracle. Not in the cache: it fails open when Redis is away, and this must not.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import LoginFailure
from helpdesk.client_ip import client_ip


def window_start(now: datetime) -> datetime:
    """Wrong passwords made before this no longer count."""
    return now - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def login_locked(*, username: str, address: str, now: datetime) -> bool:
    """Whether this account name from this address has used up its wrong passwords for now."""
    return LoginFailure.objects.filter(
        username=username,
        address=address,
        first_failed_at__gt=window_start(now),
        failures__gte=settings.LOGIN_FAILURE_LIMIT,
    ).exists()


def login_failure_record(*, username: str, address: str, now: datetime) -> None:
    """Count one wrong password; a window that has ended (anyone's) is forgotten first."""
    LoginFailure.objects.filter(first_failed_at__lte=window_start(now)).delete()
    mine = LoginFailure.objects.filter(username=username, address=address)
    for _ in range(2):  # a concurrent first failure may create the row between our update and insert
        if mine.update(failures=F("failures") + 1, last_failed_at=now):
            return
        try:
            with transaction.atomic():
                LoginFailure.objects.create(
                    username=username, address=address, failures=1, first_failed_at=now, last_failed_at=now
                )
            return
        except IntegrityError:
            continue


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not username:
            return super().authenticate(request, username=username, password=password, **kwargs)
        who = {"username": username.strip().lower()[:254], "address": client_ip(request)[:45]}
        if login_locked(**who, now=timezone.now()):
            # authenticate() stops at PermissionDenied and reports a failed login.
            raise PermissionDenied("Too many wrong passwords; try again later.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(**who, now=timezone.now())
        else:
            LoginFailure.objects.filter(**who).delete()
        return user
