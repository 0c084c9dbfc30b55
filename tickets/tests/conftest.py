"""Fixtures of the tickets app's tests."""

import pytest

from tickets.tests.clamd_server import clamd_down, clamd_server, virus_scan  # noqa: F401 - fixtures
from tickets.tests.merging import new_ticket


@pytest.fixture
def pair(customer, team):
    """A target opened first and a duplicate (the source) opened ten minutes later."""
    target = new_ticket(customer, team=team, subject="VPN is down", minutes=0)
    source = new_ticket(customer, team=team, subject="VPN again", description="Since Monday, every hour.", minutes=10)
    return source, target
