"""Signing in: Django's model backend, refusing a guesser after a few wrong passwords.

Counts wrong passwords per account name and address in the cache (Redis when
configured), for ``LOGIN_FAILURE_WINDOW`` seconds from the first one; past
``LOGIN_FAILURE_LIMIT`` even the right password is refused until the window
ends. Every face signs in through ``authenticate()`` (admin, portal, API), so
all are covered; the answer stays "invalid email or password", no oracle.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied


def failure_key(request, username: str | None) -> str | None:
    if request is None or not username:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{username.strip().lower()}|{address}".encode()).hexdigest()
    return f"login-failures:{digest}"


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        key = failure_key(request, username)
        if key is not None and cache.get(key, 0) >= settings.LOGIN_FAILURE_LIMIT:
            # authenticate() stops at PermissionDenied and reports a failed login.
            raise PermissionDenied("Too many wrong passwords; try again later.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if key is not None:
            if user is None:
                cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW)
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW)
            else:
                cache.delete(key)
        return user
