"""Rate limits: by client address on the auth endpoints, by user on writes.

The address is ``helpdesk.client_ip`` (``TRUSTED_PROXIES``). The counters live in the cache, which
fails open when Redis is away (``helpdesk.cache``): then nothing is throttled, and a warning says so.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from helpdesk.client_ip import client_ip


class _SettingsRate(SimpleRateThrottle):
    def get_rate(self) -> str:
        # Read on every request: DRF copies the rates at import, which would ignore later settings changes.
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_ident(self, request: Request) -> str:
        # DRF's own reads X-Forwarded-For from anyone: a varied forged header would be a fresh budget.
        return client_ip(request)


class AuthThrottle(_SettingsRate):
    scope = "auth"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WriteThrottle(_SettingsRate):
    scope = "write"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.method in SAFE_METHODS:
            return None
        user = request.user
        ident = user.pk if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
