"""Knowledge-base test data, written through the services as the faces write it."""

from __future__ import annotations

from kb import services
from kb.models import Article, Category


def category(name: str, *, team=None) -> Category:
    slug = name.lower().replace(" ", "-")
    return Category.objects.get_or_create(slug=slug, defaults={"name": name, "team": team})[0]


def article(
    author, *, title: str = "Reset your password", body: str = "Open **Log in**.", published: bool = True, **kwargs
) -> Article:
    """An article by ``author`` (a manager by default in the fixtures), published unless told otherwise."""
    return services.article_create(actor=author, title=title, body=body, publish=published, **kwargs)
