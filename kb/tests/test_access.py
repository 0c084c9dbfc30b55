"""Who may read, write, publish and see the figures of articles (kb/access.py), role by role."""

import pytest
from django.contrib.auth.models import AnonymousUser

from kb import access
from kb.tests.factories import article

pytestmark = pytest.mark.django_db


def test_customers_and_visitors_read_only_published_public_articles(customer, published, draft, internal):
    for reader in (customer, AnonymousUser()):
        assert access.can_read_article(reader, published)
        assert not access.can_read_article(reader, draft)
        assert not access.can_read_article(reader, internal)


def test_every_staff_role_reads_drafts_and_internal_articles(
    agent, other_agent, team_lead, manager, admin_user, draft, internal
):
    for user in (agent, other_agent, team_lead, manager, admin_user):
        assert access.can_read_article(user, draft) and access.can_read_article(user, internal)


@pytest.mark.parametrize(
    ("who", "in_own", "in_other", "in_none", "publish_own", "publish_other", "stats"),
    [
        ("customer", False, False, False, False, False, False),
        ("agent", True, False, True, False, False, False),
        ("other_agent", False, True, True, False, False, False),
        ("team_lead", True, False, True, True, False, True),
        ("manager", True, True, True, True, True, True),
        ("admin_user", True, True, True, True, True, True),
    ],
)
def test_writing_and_publishing_by_role_and_team(
    request,
    who,
    in_own,
    in_other,
    in_none,
    publish_own,
    publish_other,
    stats,
    team_category,
    other_category,
    manager,
):
    user = request.getfixturevalue(who)
    mine = article(manager, title="Ours", category=team_category, published=False)
    theirs = article(manager, title="Theirs", category=other_category, published=False)
    loose = article(manager, title="Loose", published=False)
    assert access.can_edit_article(user, mine) is in_own
    assert access.can_edit_article(user, theirs) is in_other
    assert access.can_edit_article(user, loose) is in_none
    assert access.can_publish_article(user, mine) is publish_own
    assert access.can_publish_article(user, theirs) is publish_other
    assert access.can_see_stats(user) is stats


def test_an_inactive_agent_writes_nothing(agent, team_category):
    agent.is_active = False
    agent.save()
    assert not access.can_write_in(agent, team_category)
    assert not access.can_write_in(agent, None)
