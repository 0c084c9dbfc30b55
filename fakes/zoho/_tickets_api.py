"""Desk endpoints for tickets, ticket search, comments and threads. Called with ``fake.lock`` held."""

from __future__ import annotations

import fnmatch
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from . import _store
from ._errors import ApiError, Response, bad_query_value, field_error, invalid_data, not_found, parse_iso
from ._serialize import comment_json, thread_json, ticket_json

if TYPE_CHECKING:
    from ._wire import Ctx

LIST_INCLUDES = ("contacts", "products", "departments", "team", "assignee")
GET_INCLUDES = (*LIST_INCLUDES, "contract", "isRead", "skills")
LIST_SORTS = ("dueDate", "createdTime", "recentThread")
SEARCH_SORTS = ("relevance", "modifiedTime", "createdTime", "customerResponseTime")
REPLY_CHANNELS = ("EMAIL", "FACEBOOK", "TWITTER", "FORUMS")
SEARCH_RANGES = (
    ("modifiedTimeRange", "modifiedTime"),
    ("createdTimeRange", "createdTime"),
    ("customerResponseTimeRange", "customerResponseTime"),
    ("dueDateRange", "dueDate"),
)


def _ticket(ctx: Ctx, ticket_id: str) -> dict[str, Any]:
    ticket = ctx.fake.tickets.get(ticket_id)
    if ticket is None:
        raise not_found()
    return ticket


def _includes(ctx: Ctx, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = tuple(ctx.params("include"))
    if any(value not in allowed for value in values):
        raise bad_query_value("include")
    return values


def _in(value: str | None, wanted: list[str]) -> bool:
    return value is not None and value.lower() in {w.lower() for w in wanted}


def _sorted(tickets: list[dict[str, Any]], sort_by: str, last_thread) -> list[dict[str, Any]]:
    key = sort_by.removeprefix("-")
    if key == "recentThread":
        value = last_thread
    elif key == "relevance":
        value = lambda t: t["modifiedTime"]  # noqa: E731 - "relevance" has no meaning here: newest change first
        sort_by = "-relevance"
    else:
        value = lambda t: t[key]  # noqa: E731
    present = [t for t in tickets if value(t) is not None]
    absent = [t for t in tickets if value(t) is None]
    present.sort(key=value, reverse=sort_by.startswith("-"))
    return present + absent


# ----------------------------------------------------------------------------- tickets
def ticket_list(ctx: Ctx) -> Response:
    """``GET /tickets``: filters status, priority, assignee, departmentId(s), channel; newest first by default.

    The list view has no modifiedTime: polling for changes is ``/tickets/search?modifiedTimeRange=``.
    """
    ctx.allow(
        "from", "limit", "include", "departmentId", "departmentIds", "status", "priority", "assignee", "channel",
        "sortBy", "viewId", "receivedInDays", "teamIds", "fields",
    )  # fmt: skip
    start, limit = ctx.page(default_limit=25, max_limit=100)
    include = _includes(ctx, LIST_INCLUDES)
    fake = ctx.fake
    tickets = list(fake.tickets.values())
    departments = ctx.params("departmentIds") + ([ctx.param("departmentId")] if ctx.param("departmentId") else [])
    if departments:
        tickets = [t for t in tickets if t["departmentId"] in departments]
    for name in ("status", "priority", "channel"):
        if ctx.params(name):
            tickets = [t for t in tickets if _in(t[name], ctx.params(name))]
    assignees = ctx.params("assignee")
    if any(a != "Unassigned" and not a.isdigit() for a in assignees):
        raise bad_query_value("assignee")
    if assignees:
        tickets = [t for t in tickets if (t["assigneeId"] or "Unassigned") in assignees]
    days = ctx.param("receivedInDays")
    if days is not None:
        if days not in ("15", "30", "90", "-1"):
            raise bad_query_value("receivedInDays")
        if days != "-1":
            since = fake.now() - timedelta(days=int(days))
            tickets = [t for t in tickets if t["customerResponseTime"] and t["customerResponseTime"] >= since]
    sort_by = ctx.param("sortBy") or "-createdTime"
    if sort_by.removeprefix("-") not in LIST_SORTS:
        raise bad_query_value("sortBy")

    def last_thread(ticket: dict[str, Any]):
        threads = fake.threads.get(ticket["id"])
        return max(t["createdTime"] for t in threads) if threads else ticket["createdTime"]

    tickets = _sorted(tickets, sort_by, last_thread)[start : start + limit]
    if not tickets:
        return Response(204)
    extra = ctx.params("fields")
    if len(extra) > 30:
        raise bad_query_value("fields")
    rendered = []
    for ticket in tickets:
        item = ticket_json(fake, ticket, view="list", include=include)
        if extra:
            detail = ticket_json(fake, ticket)
            item.update({name: detail.get(name, ticket["cf"].get(name)) for name in extra})
        rendered.append(item)
    return Response(200, {"data": rendered})


def _range(ctx: Ctx, name: str):
    value = ctx.param(name)
    if value is None:
        return None
    try:
        low, high = value.split(",")
        return parse_iso(low), parse_iso(high)
    except ValueError:
        raise bad_query_value(name) from None


def _like(value: str | None, patterns: list[str]) -> bool:
    """Zoho search: ``*`` wildcards, case-insensitive; without a wildcard the whole value must match."""
    return value is not None and any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


def ticket_search(ctx: Ctx) -> Response:
    """``GET /tickets/search``: the real API's way to ask what changed since T.

    ``modifiedTimeRange=from,to`` (ISO, inclusive) with ``sortBy=modifiedTime``; answers
    ``{"data", "count"}`` with full records (modifiedTime and cf included), 204 when nothing matches.
    """
    ctx.allow(
        "from", "limit", "sortBy", "modifiedTimeRange", "createdTimeRange", "customerResponseTimeRange",
        "dueDateRange", "status", "priority", "departmentId", "assigneeId", "contactId", "accountId", "id",
        "ticketNumber", "email", "subject", "channel", "category", "_all",
    )  # fmt: skip
    fake = ctx.fake
    start, limit = ctx.page(default_limit=10, max_limit=100, max_from=fake.search_from_max)
    tickets = list(fake.tickets.values())
    for name, field in SEARCH_RANGES:
        bounds = _range(ctx, name)
        if bounds:
            tickets = [t for t in tickets if t[field] is not None and bounds[0] <= t[field] <= bounds[1]]
    for name in ("status", "priority", "channel", "category"):
        if ctx.params(name):
            tickets = [t for t in tickets if _in(t[name], ctx.params(name))]
    for name in ("departmentId", "assigneeId", "contactId", "accountId", "id", "ticketNumber"):
        if ctx.params(name):
            tickets = [t for t in tickets if t[name] in ctx.params(name)]
    for name in ("email", "subject"):
        if ctx.param(name):
            tickets = [t for t in tickets if _like(t[name], [ctx.param(name)])]
    if ctx.param("_all"):
        pattern = f"*{ctx.param('_all').strip('*')}*"
        tickets = [t for t in tickets if _like(t["subject"], [pattern]) or _like(t["description"], [pattern])]
    sort_by = ctx.param("sortBy") or "relevance"
    if sort_by.removeprefix("-") not in SEARCH_SORTS:
        raise bad_query_value("sortBy")
    tickets = _sorted(tickets, "-modifiedTime" if fake.search_ignores_sort else sort_by, None)
    page = tickets[start : start + limit]
    if not page:
        return Response(204)
    return Response(200, {"data": [ticket_json(fake, t) for t in page], "count": len(tickets)})


def ticket_get(ctx: Ctx, ticket_id: str) -> Response:
    ctx.allow("include")
    include = _includes(ctx, GET_INCLUDES)
    return Response(200, ticket_json(ctx.fake, _ticket(ctx, ticket_id), include=include))


def ticket_create(ctx: Ctx) -> Response:
    """``POST /tickets`` answers 200 (not 201) with the ticket."""
    ticket = _store.create_ticket(ctx.fake, ctx.json(), actor_id=ctx.agent_id)
    return Response(200, ticket_json(ctx.fake, ticket))


def ticket_update(ctx: Ctx, ticket_id: str) -> Response:
    ctx.allow("disableClosureNotification")
    ticket = _store.update_ticket(ctx.fake, _ticket(ctx, ticket_id), ctx.json(), actor_id=ctx.agent_id)
    return Response(200, ticket_json(ctx.fake, ticket))


# ----------------------------------------------------------------------------- comments
def _comment(ctx: Ctx, ticket_id: str, comment_id: str) -> dict[str, Any]:
    for comment in ctx.fake.comments.get(_ticket(ctx, ticket_id)["id"], []):
        if comment["id"] == comment_id:
            return comment
    raise not_found()


def comment_list(ctx: Ctx, ticket_id: str) -> Response:
    """Oldest first unless ``sortBy=-commentedTime`` (the docs give no default order)."""
    ctx.allow("from", "limit", "sortBy", "include")
    start, limit = ctx.page(default_limit=50, max_limit=100)
    sort_by = ctx.param("sortBy") or "commentedTime"
    if sort_by not in ("commentedTime", "-commentedTime"):
        raise bad_query_value("sortBy")
    comments = sorted(
        ctx.fake.comments.get(_ticket(ctx, ticket_id)["id"], []),
        key=lambda c: c["commentedTime"],
        reverse=sort_by.startswith("-"),
    )[start : start + limit]
    if not comments:
        return Response(204)
    return Response(200, {"data": [comment_json(ctx.fake, c) for c in comments]})


def comment_create(ctx: Ctx, ticket_id: str) -> Response:
    ticket = _ticket(ctx, ticket_id)
    comment = _store.add_comment(ctx.fake, ticket, ctx.json(), ctx.fake.agent_person(ctx.agent_id))
    return Response(200, comment_json(ctx.fake, comment))


def comment_get(ctx: Ctx, ticket_id: str, comment_id: str) -> Response:
    return Response(200, comment_json(ctx.fake, _comment(ctx, ticket_id, comment_id)))


def comment_update(ctx: Ctx, ticket_id: str, comment_id: str) -> Response:
    comment = _comment(ctx, ticket_id, comment_id)
    if comment["commenter"]["id"] != ctx.agent_id:
        raise ApiError(403, "FORBIDDEN", "You are not authorized to access this resource.")
    updated = _store.update_comment(ctx.fake, ctx.fake.tickets[ticket_id], comment, ctx.json())
    return Response(200, comment_json(ctx.fake, updated))


def comment_delete(ctx: Ctx, ticket_id: str, comment_id: str) -> Response:
    comment = _comment(ctx, ticket_id, comment_id)
    ctx.fake.comments[ticket_id].remove(comment)
    _store.touch(ctx.fake, ctx.fake.tickets[ticket_id], ctx.agent_id)
    return Response(ctx.fake.comment_delete_status)


# ----------------------------------------------------------------------------- threads
def thread_list(ctx: Ctx, ticket_id: str) -> Response:
    """Newest first by default (documented); items carry a ``summary``, not the content."""
    ctx.allow("from", "limit", "sortBy")
    start, limit = ctx.page(default_limit=100, max_limit=200)
    sort_by = ctx.param("sortBy") or "-sendDateTime"
    if sort_by not in ("sendDateTime", "-sendDateTime"):
        raise bad_query_value("sortBy")
    threads = sorted(
        ctx.fake.threads.get(_ticket(ctx, ticket_id)["id"], []),
        key=lambda t: t["createdTime"],
        reverse=sort_by.startswith("-"),
    )[start : start + limit]
    if not threads:
        return Response(204)
    return Response(200, {"data": [thread_json(ctx.fake, t, with_content=False) for t in threads]})


def thread_get(ctx: Ctx, ticket_id: str, thread_id: str) -> Response:
    ctx.allow("include")
    for thread in ctx.fake.threads.get(_ticket(ctx, ticket_id)["id"], []):
        if thread["id"] == thread_id:
            return Response(200, thread_json(ctx.fake, thread, with_content=True))
    raise not_found()


def send_reply(ctx: Ctx, ticket_id: str) -> Response:
    """``POST /tickets/{id}/sendReply``: an outgoing thread by the token's agent."""
    ctx.allow("isPrivate", "sendImmediately")
    ticket = _ticket(ctx, ticket_id)
    data = ctx.json()
    if not isinstance(data, dict):
        raise invalid_data([field_error("/", "invalid", "The payload must be a JSON object")])
    allowed = {"channel", "content", "contentType", "to", "cc", "bcc", "fromEmailAddress", "isForward"}
    allowed |= {"attachmentIds", "inReplyToThreadId", "isPrivate"}
    errors = [field_error(f"/{k}", "invalid", f"An extra parameter '{k}' is found") for k in data if k not in allowed]
    for key in ("channel", "content"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            errors.append(field_error(f"/{key}", "missing", f"{key} is mandatory"))
    if isinstance(data.get("channel"), str) and data["channel"] and data["channel"].upper() not in REPLY_CHANNELS:
        errors.append(field_error("/channel", "invalid", "Replies go out by EMAIL, FACEBOOK, TWITTER or FORUMS"))
    if data.get("contentType", "html") not in ("html", "plainText"):
        errors.append(field_error("/contentType", "invalid", "contentType must be html or plainText"))
    if errors:
        raise invalid_data(errors)
    private = ctx.param("isPrivate") == "true" or str(data.get("isPrivate", "false")).lower() == "true"
    thread = {
        "channel": data["channel"].upper(),
        "direction": "out",
        "visibility": "private" if private else "public",
        "contentType": "text/plain" if data.get("contentType") == "plainText" else "text/html",
        "content": data["content"],
        "author": ctx.fake.agent_person(ctx.agent_id),
        "fromEmailAddress": data.get("fromEmailAddress") or f"support@{ctx.fake.portal_name}.example.com",
        "to": data.get("to") or ticket["email"],
    }
    return Response(200, thread_json(ctx.fake, _store.add_thread(ctx.fake, ticket, thread), with_content=True))
