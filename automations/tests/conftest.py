"""Automation tests run with real commits: triggers run when a change commits, as in production."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from automations.engine import ACTIVE_KEY


@pytest.fixture(autouse=True)
def _real_commits(transactional_db):
    cache.delete(ACTIVE_KEY)
    yield
    cache.delete(ACTIVE_KEY)
