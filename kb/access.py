"""Who may read, write and publish knowledge-base articles: the one check for API, console and portal.

- Customers and visitors read published public articles only; a draft or an internal
  article answers 404 to them, as if it did not exist.
- Every staff role reads every article, drafts and internal ones included.
- Agents write (create, edit) articles in categories without a team or of their own teams.
- Team leads do the same and publish, unpublish and delete them (and change whether a
  published one is public or internal); managers and admins do
  all of it in every category.
- Feedback numbers (views, helpful, deflections) are for team leads, managers and admins.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from accounts.models import User
from accounts.roles import Role
from kb.models import Article, Category
from tickets.access import team_ids_of

PUBLISHER_ROLES = frozenset({Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})
EVERY_CATEGORY_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


def is_staff_reader(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff_role)


def visibility_filter(user: User | AnonymousUser) -> Q | None:
    """The condition on articles ``user`` may read; None means every article."""
    if is_staff_reader(user):
        return None
    return Q(status=Article.Status.PUBLISHED, visibility=Article.Visibility.PUBLIC)


def can_read_article(user: User | AnonymousUser, article: Article) -> bool:
    return is_staff_reader(user) or (article.is_published and article.visibility == Article.Visibility.PUBLIC)


def can_write_in(user: User | AnonymousUser, category: Category | None) -> bool:
    """Create or edit articles in ``category`` (None: uncategorised)."""
    if not is_staff_reader(user):
        return False
    if user.role in EVERY_CATEGORY_ROLES:
        return True
    return category is None or category.team_id is None or category.team_id in team_ids_of(user)


def can_edit_article(user: User | AnonymousUser, article: Article) -> bool:
    return can_write_in(user, article.category)


def can_publish_article(user: User | AnonymousUser, article: Article) -> bool:
    """Publish, unpublish or delete: team leads in their categories, managers and admins anywhere."""
    return can_edit_article(user, article) and user.role in PUBLISHER_ROLES


def can_see_stats(user: User | AnonymousUser) -> bool:
    return is_staff_reader(user) and user.role in PUBLISHER_ROLES
