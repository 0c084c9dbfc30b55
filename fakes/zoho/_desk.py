"""Zoho Desk ``/api/v1``: routing, authentication, the orgId check, API credits, directory endpoints."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _tickets_api as tickets
from . import _webhooks as webhooks
from ._errors import ApiError, Response, bad_query_value, not_found, unprocessable
from ._serialize import agent_json, contact_json, department_json
from ._wire import Ctx


def page_of(items: list[dict[str, Any]], start: int, limit: int) -> Response:
    """``{"data": [...]}``, or 204 with no body when the page is empty."""
    chunk = items[start : start + limit]
    return Response(200, {"data": chunk}) if chunk else Response(204)


@dataclass
class Endpoint:
    func: Callable[..., Response]
    name: str
    weight: int = 1  # API credits: 1 for a single record, 3 for a listing
    locked: bool = True
    needs_org: bool = True


# ----------------------------------------------------------------------------- directory endpoints
def organizations(ctx: Ctx) -> Response:
    fake = ctx.fake
    return Response(
        200,
        {
            "data": [
                {
                    "id": fake.org_id,
                    "companyName": "Fake Desk Inc.",
                    "portalName": fake.portal_name,
                    "portalURL": f"{fake.base_url}/support/{fake.portal_name}",
                    "isDefault": True,
                    "isAdminInOrg": True,
                    "edition": "ENTERPRISE",
                    "currencyCode": "USD",
                    "timeZone": "UTC",
                }
            ]
        },
    )


def department_list(ctx: Ctx) -> Response:
    ctx.allow("from", "limit", "isEnabled", "searchStr", "chatStatus")
    start, limit = ctx.page(default_limit=10, max_limit=200)
    return page_of([department_json(d) for d in ctx.fake.departments.values()], start, limit)


def department_get(ctx: Ctx, department_id: str) -> Response:
    if department_id not in ctx.fake.departments:
        raise not_found()
    return Response(200, department_json(ctx.fake.departments[department_id]))


def agent_list(ctx: Ctx) -> Response:
    ctx.allow("from", "limit", "status", "departmentIds", "searchStr", "include", "isConfirmed")
    start, limit = ctx.page(default_limit=10, max_limit=200)
    return page_of([agent_json(ctx.fake, a) for a in ctx.fake.agents.values()], start, limit)


def agent_get(ctx: Ctx, agent_id: str) -> Response:
    if agent_id not in ctx.fake.agents:
        raise not_found()
    return Response(200, agent_json(ctx.fake, ctx.fake.agents[agent_id]))


def myinfo(ctx: Ctx) -> Response:
    return Response(200, agent_json(ctx.fake, ctx.fake.agents[ctx.agent_id]))


CONTACT_SORTS = ("firstName", "lastName", "email", "createdTime", "modifiedTime")


def contact_list(ctx: Ctx) -> Response:
    ctx.allow("from", "limit", "sortBy", "include", "viewId")
    start, limit = ctx.page(default_limit=10, max_limit=99)
    contacts = list(ctx.fake.contacts.values())
    sort_by = ctx.param("sortBy")
    if sort_by:
        key = sort_by.removeprefix("-")
        if key not in CONTACT_SORTS:
            raise bad_query_value("sortBy")
        contacts.sort(key=lambda c: (c[key] is None, c[key] or ""), reverse=sort_by.startswith("-"))
    return page_of([contact_json(ctx.fake, c) for c in contacts], start, limit)


def contact_get(ctx: Ctx, contact_id: str) -> Response:
    if contact_id not in ctx.fake.contacts:
        raise not_found()
    return Response(200, contact_json(ctx.fake, ctx.fake.contacts[contact_id]))


FIELD_MODULES = ("tickets", "contacts", "accounts", "tasks", "calls", "events", "contracts", "products")
CHANNELS = ("Email", "Phone", "Web", "Chat", "Forums", "Twitter", "Facebook")


def _field(api_name: str, label: str, kind: str, *, mandatory: bool = False, allowed: list | None = None) -> dict:
    return {
        "id": str(1892000000000000 + zlib.crc32(api_name.encode())),
        "apiName": api_name,
        "name": api_name,
        "displayLabel": label,
        "i18NLabel": label,
        "type": kind,
        "isCustomField": False,
        "isMandatory": mandatory,
        "isEncryptedField": False,
        "isTrackLastActivityTime": False,
        "maxLength": 255 if kind in ("Text", "Email", "Phone", "Picklist") else None,
        "showToHelpCenter": True,
        "allowedValues": allowed,
    }


def organization_fields(ctx: Ctx) -> Response:
    """The documented place for the status list: ``allowedValues`` of ``status`` carry ``statusType``."""
    ctx.allow("module", "departmentId", "apiNames")
    module = ctx.param("module")
    if module not in FIELD_MODULES:
        raise bad_query_value("module")
    fake = ctx.fake
    if module != "tickets":
        names = ("firstName", "lastName", "email") if module == "contacts" else ("name",)
        return Response(200, {"data": [_field(name, name, "Text") for name in names]})
    fields = [
        _field("subject", "Subject", "Text", mandatory=True),
        _field("departmentId", "Department", "LookUp", mandatory=True),
        _field("contactId", "Contact Name", "LookUp", mandatory=True),
        _field("email", "Email", "Email"),
        _field("phone", "Phone", "Phone"),
        _field("description", "Description", "Textarea"),
        _field(
            "status",
            "Status",
            "Picklist",
            allowed=[{"value": name, "statusType": kind} for name, kind in fake.statuses.items()],
        ),
        _field("priority", "Priority", "Picklist", allowed=[{"value": name} for name in fake.priorities]),
        _field("channel", "Channel", "Picklist", allowed=[{"value": name} for name in CHANNELS]),
        _field("assigneeId", "Ticket Owner", "LookUp"),
        _field("dueDate", "Due Date", "DateTime"),
    ]
    return Response(200, {"data": fields})


def _webhook_list(ctx: Ctx) -> Response:
    return webhooks.api_list(ctx.fake)


def _webhook_get(ctx: Ctx, hook_id: str) -> Response:
    return webhooks.api_get(ctx.fake, hook_id)


def _webhook_delete(ctx: Ctx, hook_id: str) -> Response:
    return webhooks.api_delete(ctx.fake, hook_id)


def _webhook_create(ctx: Ctx) -> Response:
    return webhooks.api_create(ctx.fake, ctx.json())


def _webhook_update(ctx: Ctx, hook_id: str) -> Response:
    return webhooks.api_update(ctx.fake, hook_id, ctx.json())


def _e(func: Callable[..., Response], name: str, **options: Any) -> Endpoint:
    return Endpoint(func, name, **options)


ROUTES: list[tuple[re.Pattern[str], dict[str, Endpoint]]] = [
    (re.compile(pattern), endpoints)
    for pattern, endpoints in [
        (r"organizations", {"GET": _e(organizations, "organization_list", needs_org=False)}),
        (
            r"tickets",
            {
                "GET": _e(tickets.ticket_list, "ticket_list", weight=3),
                "POST": _e(tickets.ticket_create, "ticket_create"),
            },
        ),
        (r"tickets/search", {"GET": _e(tickets.ticket_search, "ticket_search", weight=3)}),
        (
            r"tickets/(\d+)",
            {"GET": _e(tickets.ticket_get, "ticket_get"), "PATCH": _e(tickets.ticket_update, "ticket_update")},
        ),
        (
            r"tickets/(\d+)/comments",
            {
                "GET": _e(tickets.comment_list, "comment_list", weight=3),
                "POST": _e(tickets.comment_create, "comment_create"),
            },
        ),
        (
            r"tickets/(\d+)/comments/(\d+)",
            {
                "GET": _e(tickets.comment_get, "comment_get"),
                "PATCH": _e(tickets.comment_update, "comment_update"),
                "DELETE": _e(tickets.comment_delete, "comment_delete"),
            },
        ),
        (r"tickets/(\d+)/threads", {"GET": _e(tickets.thread_list, "thread_list", weight=3)}),
        (r"tickets/(\d+)/threads/(\d+)", {"GET": _e(tickets.thread_get, "thread_get")}),
        (r"tickets/(\d+)/sendReply", {"POST": _e(tickets.send_reply, "send_reply")}),
        (r"contacts", {"GET": _e(contact_list, "contact_list", weight=3)}),
        (r"contacts/(\d+)", {"GET": _e(contact_get, "contact_get")}),
        (r"departments", {"GET": _e(department_list, "department_list", weight=3)}),
        (r"departments/(\d+)", {"GET": _e(department_get, "department_get")}),
        (r"agents", {"GET": _e(agent_list, "agent_list", weight=3)}),
        (r"agents/(\d+)", {"GET": _e(agent_get, "agent_get")}),
        (r"myinfo", {"GET": _e(myinfo, "myinfo")}),
        (r"organizationFields", {"GET": _e(organization_fields, "field_list", weight=3)}),
        (
            r"webhooks",
            {
                "GET": _e(_webhook_list, "webhook_list", weight=3),
                "POST": _e(_webhook_create, "webhook_create", locked=False),
            },
        ),
        (
            r"webhooks/(\d+)",
            {
                "GET": _e(_webhook_get, "webhook_get"),
                "PATCH": _e(_webhook_update, "webhook_update", locked=False),
                "DELETE": _e(_webhook_delete, "webhook_delete"),
            },
        ),
    ]
]


def _authenticate(fake: Any, headers: dict[str, str]) -> str:
    """The agent the access token acts for; 401 UNAUTHORIZED without a header, INVALID_OAUTH otherwise."""
    authorization = headers.get("authorization", "").strip()
    if not authorization:
        raise ApiError(401, "UNAUTHORIZED", "You are not authorized to perform this operation.")
    scheme, _, token = authorization.partition(" ")
    record = fake.access_tokens.get(token.strip()) if scheme == "Zoho-oauthtoken" else None
    if record is None or record["expires_at"] <= fake.clock():
        raise ApiError(401, "INVALID_OAUTH", "The OAuth Token you provided is invalid.")
    return record["agent_id"]


def _check_org(fake: Any, headers: dict[str, str], query: dict[str, list[str]]) -> None:
    """orgId as a header (documented) or a query parameter (how the OAS models it)."""
    org_id = headers.get("orgid") or (query.get("orgId") or [None])[-1]
    if org_id is None:
        if fake.require_org_id:
            raise unprocessable("The 'orgId' header is mandatory for this API.")
        return
    if org_id.strip() != fake.org_id:
        raise ApiError(
            fake.org_mismatch_status,
            "OAUTH_ORG_MISMATCH",
            "The OAuth Token you provided is not valid for the specified organization.",
        )


def _charge(fake: Any, weight: int) -> dict[str, str]:
    if fake.daily_credits is None:
        return {}
    if fake.credits_remaining < weight:
        body, retry = fake.THRESHOLD_EXCEEDED, {"Retry-After": str(fake.threshold_retry_after)}
        raise ApiError(429, body["errorCode"], body["message"], headers=retry)
    fake.credits_remaining -= weight
    return {"X-Rate-Limit-Request-Weight-v3": str(weight), "X-Rate-Limit-Remaining-v3": str(fake.credits_remaining)}


def _route(relative: str) -> tuple[re.Match[str], dict[str, Endpoint]]:
    for pattern, endpoints in ROUTES:
        match = pattern.fullmatch(relative)
        if match:
            return match, endpoints
    raise not_found()


def handle(
    fake: Any, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
) -> Response:
    relative = path.removeprefix("/api/v1/").rstrip("/")
    try:
        with fake.lock:
            agent_id = _authenticate(fake, headers)
            match, endpoints = _route(relative)
            endpoint = endpoints.get(method)
            if endpoint is None:
                raise ApiError(405, "METHOD_NOT_ALLOWED", f"The HTTP method {method} is not allowed for this URL.")
            if endpoint.needs_org:
                _check_org(fake, headers, query)
            credit_headers = _charge(fake, endpoint.weight)
        ctx = Ctx(fake, method, query, headers, body, agent_id)
        if endpoint.locked:
            with fake.lock:
                answer = endpoint.func(ctx, *match.groups())
        else:
            answer = endpoint.func(ctx, *match.groups())
        with fake.lock:
            fake.counters[endpoint.name] += 1
        return Response(answer.status, answer.body, {**(answer.headers or {}), **credit_headers})
    except ApiError as error:
        return error.response()
