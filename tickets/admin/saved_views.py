"""The queue's saved views: the small POST endpoints that save, rename, reorder and delete an agent's own.

Each answers with a redirect back to the queue and a message; bad input is a message, another
user's view is a 404. The tabs themselves are built in ``tabs.py``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.admin_access import is_staff
from helpdesk.errors import HelpdeskError, NotFound
from tickets import services


def _queue(query: str = "") -> str:
    url = reverse("admin:tickets_ticket_changelist")
    return f"{url}?{query}" if query else url


def _staff_only(view):
    def checked(request, *args, **kwargs):
        if not is_staff(request):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return require_POST(checked)


@_staff_only
def save_view(request):
    query = request.POST.get("query", "")
    try:
        view = services.saved_view_create(user=request.user, name=request.POST.get("name", ""), query=query)
    except HelpdeskError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_queue())
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return HttpResponseRedirect(_queue(view.query))


@_staff_only
def rename_view(request, view_id: int):
    try:
        view = services.saved_view_rename(user=request.user, view_id=view_id, name=request.POST.get("name", ""))
    except NotFound:
        raise Http404 from None
    except HelpdeskError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_queue())
    messages.success(request, _("View renamed to “%(name)s”.") % {"name": view.name})
    return HttpResponseRedirect(_queue(view.query))


@_staff_only
def delete_view(request, view_id: int):
    try:
        services.saved_view_delete(user=request.user, view_id=view_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("View deleted."))
    return HttpResponseRedirect(_queue())


@_staff_only
def move_view(request, view_id: int):
    try:
        view = services.saved_view_move(user=request.user, view_id=view_id, direction=request.POST.get("direction", ""))
    except NotFound:
        raise Http404 from None
    except HelpdeskError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_queue())
    messages.success(request, _("View “%(name)s” moved.") % {"name": view.name})
    return HttpResponseRedirect(_queue(view.query))


def urls(admin_site) -> list:
    """The endpoints, behind the admin's login and CSRF check (``admin_view``)."""
    wrap = admin_site.admin_view
    return [
        path("views/save/", wrap(save_view), name="tickets_savedview_save"),
        path("views/<int:view_id>/rename/", wrap(rename_view), name="tickets_savedview_rename"),
        path("views/<int:view_id>/delete/", wrap(delete_view), name="tickets_savedview_delete"),
        path("views/<int:view_id>/move/", wrap(move_view), name="tickets_savedview_move"),
    ]
