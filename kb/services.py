"""Writes to the knowledge base: articles, their publication, views and feedback.

Every face (API, console, portal) calls these; each checks kb/access.py itself, so
no face can skip a rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User, unique_slug
from helpdesk.errors import NotFound, PermissionDenied, ValidationFailed
from kb import access
from kb.markdown import render_markdown
from kb.models import Article, Category, Feedback
from tickets.services.tickets import _tags as tags_named

MAX_BODY = 100_000


def _clean_text(*, title: str, body: str) -> tuple[str, str]:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed.on("title", "An article needs a title.")
    if len(title) > Article._meta.get_field("title").max_length:
        raise ValidationFailed.on("title", "Use at most 200 characters.")
    if len(body or "") > MAX_BODY:
        raise ValidationFailed.on("body", f"Use at most {MAX_BODY} characters.")
    return title, body or ""


def article_create(
    *,
    actor: User,
    title: str,
    body: str = "",
    category: Category | None = None,
    tags: Iterable[str] = (),
    visibility: str = Article.Visibility.PUBLIC,
    publish: bool = False,
) -> Article:
    """Write a new article, a draft unless a publisher asks to publish it at once."""
    if not access.can_write_in(actor, category):
        raise PermissionDenied("You cannot write articles in this category.")
    title, body = _clean_text(title=title, body=body)
    article = Article(
        title=title,
        body=body,
        body_html=render_markdown(body),
        category=category,
        visibility=visibility,
        author=actor,
        updated_by=actor,
    )
    if publish and not access.can_publish_article(actor, article):
        raise PermissionDenied("Only team leads, managers and admins publish articles.")
    if publish:
        article.status, article.published_at = Article.Status.PUBLISHED, timezone.now()
    for attempt in range(3):
        article.slug = unique_slug(Article, title)
        try:
            with transaction.atomic():
                article.save()
                article.tags.set(tags_named(tags))
            return article
        except IntegrityError:
            # Another article took the same slug between the check and the insert: pick again.
            article.pk = None
            if attempt == 2:
                raise
    return article


def article_update(
    *,
    actor: User,
    article: Article,
    title: str | None = None,
    body: str | None = None,
    category: Category | None = None,
    clear_category: bool = False,
    tags: Iterable[str] | None = None,
    visibility: str | None = None,
) -> Article:
    """Edit an article's text, category, tags or visibility (publication stays as it is)."""
    if not access.can_edit_article(actor, article):
        raise PermissionDenied("You cannot edit articles in this category.")
    new_category = None if clear_category else (category if category is not None else article.category)
    if new_category != article.category and not access.can_write_in(actor, new_category):
        raise PermissionDenied("You cannot move articles into this category.")
    new_title, new_body = _clean_text(
        title=article.title if title is None else title, body=article.body if body is None else body
    )
    fields = ["updated_by", "updated_at"]
    if new_title != article.title:
        article.title = new_title
        fields.append("title")
    if new_body != article.body:
        article.body, article.body_html = new_body, render_markdown(new_body)
        fields += ["body", "body_html"]
    if new_category != article.category:
        article.category = new_category
        fields.append("category")
    if visibility is not None and visibility != article.visibility:
        # On a published article this shows it to customers or hides it: a publisher's call.
        if article.is_published and not access.can_publish_article(actor, article):
            raise PermissionDenied("Only team leads, managers and admins change who sees a published article.")
        article.visibility = visibility
        fields.append("visibility")
    article.updated_by = actor
    with transaction.atomic():
        article.save(update_fields=fields)
        if tags is not None:
            article.tags.set(tags_named(tags))
    return article


def _set_status(actor: User, article: Article, status: str) -> Article:
    if not access.can_publish_article(actor, article):
        raise PermissionDenied("Only team leads, managers and admins publish or unpublish articles.")
    if article.status == status:
        return article
    article.status = status
    article.updated_by = actor
    fields = ["status", "updated_by", "updated_at"]
    if status == Article.Status.PUBLISHED:
        article.published_at = timezone.now()
        fields.append("published_at")
    article.save(update_fields=fields)
    return article


def article_publish(*, actor: User, article: Article) -> Article:
    """Make an article visible to customers (when its visibility is public). Publishing twice is a no-op."""
    return _set_status(actor, article, Article.Status.PUBLISHED)


def article_unpublish(*, actor: User, article: Article) -> Article:
    """Take an article back to draft: customers no longer see it."""
    return _set_status(actor, article, Article.Status.DRAFT)


def article_delete(*, actor: User, article: Article) -> None:
    """Delete an article and its feedback (publishers only)."""
    if not access.can_publish_article(actor, article):
        raise PermissionDenied("Only team leads, managers and admins delete articles.")
    article.delete()


def article_record_view(*, article_id: int, from_suggestion: bool = False) -> None:
    """Count one view (and one open from the new-ticket suggestions) in a single atomic UPDATE."""
    changes = {"view_count": F("view_count") + 1}
    if from_suggestion:
        changes["suggested_open_count"] = F("suggested_open_count") + 1
    # update() leaves updated_at alone: a read is not an edit.
    Article.objects.filter(pk=article_id).update(**changes)


def article_feedback(
    *, article: Article, helpful: bool, user: User | AnonymousUser | None = None, session_key: str = ""
) -> Feedback:
    """Record "did this help?": one answer per user (or per session for visitors); answering again changes it."""
    if not access.can_read_article(user or AnonymousUser(), article):
        raise NotFound("No such article.")
    signed_in = user is not None and user.is_authenticated
    if not signed_in and not session_key:
        raise ValidationFailed("Feedback needs a signed-in user or a session.")
    who = {"user": user} if signed_in else {"user": None, "session_key": session_key}
    for _attempt in range(2):
        try:
            with transaction.atomic():
                feedback, _created = Feedback.objects.update_or_create(
                    article=article, **who, defaults={"helpful": helpful}
                )
            return feedback
        except IntegrityError:
            # Two answers raced to be the first: the other row exists now, so update it.
            continue
    raise ValidationFailed("Your answer could not be saved; try again.")
