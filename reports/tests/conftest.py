"""Fixtures for the reports' tests: a private, empty cache per test."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Each test gets its own empty local-memory cache, whatever REDIS_URL says.

    Clearing a shared Redis would flush the database the Celery broker uses too, and
    Redis expires keys by its own clock, which time_machine cannot move.
    """
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reports"}}
    cache.clear()
    yield
    cache.clear()
