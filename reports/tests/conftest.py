"""Fixtures for the reports' tests: an empty cache per test, and fixed "now"s."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Reports are cached in the (process-wide) local-memory cache: no test may see another's figures."""
    cache.clear()
    yield
    cache.clear()
