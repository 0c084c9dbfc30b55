"""Fixtures of the knowledge base's tests: a category per team, one article of each kind."""

import pytest

from kb.models import Article
from kb.tests.factories import article, category


@pytest.fixture
def team_category(team):
    """A category of ``team`` (the agent's and the lead's)."""
    return category("Accounts", team=team)


@pytest.fixture
def other_category(other_team):
    """A category of another team: the agent may read its articles, not write them."""
    return category("Servers", team=other_team)


@pytest.fixture
def published(manager, team_category):
    return article(
        manager,
        title="Reset your password",
        body="Use **Forgot password** on the login page.",
        category=team_category,
        tags=["login"],
    )


@pytest.fixture
def draft(manager, team_category):
    return article(
        manager,
        title="Unreleased VPN guide",
        body="Secret roadmap for the VPN rollout.",
        category=team_category,
        published=False,
    )


@pytest.fixture
def internal(manager):
    return article(
        manager,
        title="Escalation contacts",
        body="Call the on-call VPN engineer.",
        visibility=Article.Visibility.INTERNAL,
    )
