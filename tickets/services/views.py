"""Saving, renaming and deleting an agent's saved queue views; each user touches only their own."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max

from accounts.models import User
from helpdesk.errors import NotFound, ValidationFailed
from tickets.models import SavedView
from tickets.models.views import MAX_PER_USER, NAME_MAX_LENGTH, QUERY_MAX_LENGTH, normalized_query


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed.on("name", "Give the view a name.")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed.on("name", f"A view's name has at most {NAME_MAX_LENGTH} characters.")
    return name


def _clean_query(query: str) -> str:
    if len(query or "") > QUERY_MAX_LENGTH:
        raise ValidationFailed.on("query", f"A view's filters take at most {QUERY_MAX_LENGTH} characters.")
    cleaned, unknown = normalized_query(query or "")
    if unknown:
        raise ValidationFailed.on("query", f"Not a queue filter: {', '.join(unknown)}.")
    return cleaned


def _own(user: User, view_id: int | str) -> SavedView:
    # Another user's view is "not found", never "forbidden": its existence is not told.
    try:
        return SavedView.objects.get(pk=int(view_id), user=user)
    except (SavedView.DoesNotExist, ValueError, TypeError):
        raise NotFound("View not found.") from None


def _unique(save) -> SavedView:
    try:
        with transaction.atomic():
            return save()
    except IntegrityError:
        raise ValidationFailed.on("name", "You already have a view with that name.") from None


def saved_view_create(*, user: User, name: str, query: str) -> SavedView:
    """Save the queue's ``query`` string under ``name`` as the last of ``user``'s views."""
    name, query = _clean_name(name), _clean_query(query)
    mine = SavedView.objects.filter(user=user)
    if mine.count() >= MAX_PER_USER:
        raise ValidationFailed.on("name", f"You have {MAX_PER_USER} views already; delete one first.")
    position = (mine.aggregate(last=Max("position"))["last"] or 0) + 1
    return _unique(lambda: SavedView.objects.create(user=user, name=name, query=query, position=position))


def saved_view_rename(*, user: User, view_id: int | str, name: str) -> SavedView:
    """Rename one of ``user``'s own views."""
    view = _own(user, view_id)
    view.name = _clean_name(name)

    def save() -> SavedView:
        view.save(update_fields=["name"])
        return view

    return _unique(save)


def saved_view_delete(*, user: User, view_id: int | str) -> None:
    """Delete one of ``user``'s own views."""
    _own(user, view_id).delete()


def saved_view_move(*, user: User, view_id: int | str, direction: str) -> SavedView:
    """Move one of ``user``'s views a place earlier (``up``) or later (``down``) among their tabs.

    The positions are renumbered 1..n in their current order first, so views saved with equal
    positions (or gaps) move predictably; the first view moved up, or the last down, stays put.
    """
    if direction not in ("up", "down"):
        raise ValidationFailed.on("direction", "Move a view up or down.")
    view = _own(user, view_id)
    with transaction.atomic():
        views = list(SavedView.objects.select_for_update().filter(user=user).order_by("position", "pk"))
        index = next(i for i, each in enumerate(views) if each.pk == view.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(views):
            views[index], views[other] = views[other], views[index]
        for position, each in enumerate(views, start=1):
            each.position = position
        SavedView.objects.bulk_update(views, ["position"])
    return next(each for each in views if each.pk == view.pk)
