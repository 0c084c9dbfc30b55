"""Webhooks: event shape, delivery to a receiver, validation, and the ``/api/v1/webhooks`` resource.

The desk POSTs a JSON array of ``{eventType, eventTime, orgId, payload, prevState}``; ``eventTime`` is
epoch milliseconds as a string; ``prevState`` is only present on update events of a subscription
made with ``includePrevState``. A receiver must answer 200 within 5 s; 410 unsubscribes. On
registration the desk sends a GET to the URL and, if that is not a 200, a POST. The fake does not
sign deliveries (the ``X-ZDesk-JWT`` signature is uncertain in the sources).
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from ._errors import Response, field_error, invalid_data, iso, not_found
from ._serialize import ticket_json

DELIVERY_TIMEOUT = 5.0
KNOWN_EVENTS = frozenset(
    f"{module}_{action}"
    for module, actions in {
        "Ticket": ("Add", "Update", "Delete", "Thread_Add", "Comment_Add", "Comment_Update", "Attachment_Add"),
        "Contact": ("Add", "Update", "Delete"),
        "Account": ("Add", "Update", "Delete"),
        "Agent": ("Add", "Update", "Delete"),
        "Department": ("Add", "Update"),
        "Task": ("Add", "Update", "Delete"),
    }.items()
    for action in actions
)


def build_event(
    fake: Any, event_type: str, ticket: str | dict[str, Any], prev_state: dict[str, Any] | None
) -> dict[str, Any]:
    if isinstance(ticket, str):
        with fake.lock:
            payload = ticket_json(fake, fake.tickets[ticket])
    else:
        payload = ticket
    event = {
        "eventType": event_type,
        "eventTime": str(int(fake.now().timestamp() * 1000)),
        "orgId": fake.org_id,
        "payload": payload,
    }
    if prev_state is not None:
        event["prevState"] = prev_state
    return event


def _call(url: str, method: str, body: bytes | None) -> tuple[int | None, bytes]:
    """One request to a receiver; (None, reason) when it cannot be reached or does not answer in 5 s."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=DELIVERY_TIMEOUT)
    headers = {"User-Agent": "ZohoDesk-Webhook", "Accept": "*/*"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else "") or "/", body, headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    except (OSError, http.client.HTTPException) as exc:
        return None, repr(exc).encode()
    finally:
        connection.close()


def deliver(url: str, events: list[dict[str, Any]]) -> tuple[int | None, bytes]:
    return _call(url, "POST", json.dumps(events).encode())


def validate(url: str) -> tuple[int | None, bytes]:
    status, body = _call(url, "GET", None)
    if status == 200:
        return status, body
    return _call(url, "POST", b"[]")


def _wanted(event: dict[str, Any], subscription: dict[str, Any] | None) -> dict[str, Any] | None:
    """The event as this subscription receives it, or None when it filters the event out."""
    subscription = subscription or {}
    departments = subscription.get("departmentIds")
    if departments and str(event["payload"].get("departmentId")) not in {str(d) for d in departments}:
        return None
    if not subscription.get("includePrevState"):
        event = {key: value for key, value in event.items() if key != "prevState"}
    return event


def publish(fake: Any) -> list[tuple[str, int | None]]:
    with fake.lock:
        pending = fake.events[fake._published :]
        fake._published = len(fake.events)
        hooks = [dict(hook) for hook in fake.webhooks.values() if hook["isEnabled"]]
    results = []
    for hook in hooks:
        batch = []
        for event in pending:
            if event["eventType"] in hook["subscriptions"]:
                wanted = _wanted(event, hook["subscriptions"][event["eventType"]])
                if wanted is not None:
                    batch.append(wanted)
        if not batch:
            continue
        status, _ = deliver(hook["url"], batch)
        results.append((hook["id"], status))
        with fake.lock:
            fake.counters["webhook_delivery"] += 1
            if status == 410:  # the receiver unsubscribes
                fake.webhooks.pop(hook["id"], None)
    return results


# --------------------------------------------------------------------------- the /webhooks resource
def _hook_json(hook: dict[str, Any]) -> dict[str, Any]:
    return {**hook, "createdTime": iso(hook["createdTime"]), "modifiedTime": iso(hook["modifiedTime"])}


def _check(data: Any, *, creating: bool) -> list[dict[str, str]]:
    if not isinstance(data, dict):
        return [field_error("/", "invalid", "The payload must be a JSON object")]
    allowed = {"url", "subscriptions", "name", "description", "ignoreSourceId", "isEnabled"}
    errors = [
        field_error(f"/{key}", "invalid", f"An extra parameter '{key}' is found") for key in data if key not in allowed
    ]
    for key in ("url", "subscriptions"):
        if creating and not data.get(key):
            errors.append(field_error(f"/{key}", "missing", f"{key} is mandatory"))
    if "url" in data and not str(data["url"]).startswith(("http://", "https://")):
        errors.append(field_error("/url", "invalid", "The url must start with http:// or https://"))
    subscriptions = data.get("subscriptions")
    if subscriptions is not None and not isinstance(subscriptions, dict):
        errors.append(field_error("/subscriptions", "invalid", "subscriptions must be an object"))
    elif subscriptions:
        errors += [
            field_error(f"/subscriptions/{name}", "invalid", "Unknown event")
            for name, value in subscriptions.items()
            if name not in KNOWN_EVENTS or not (value is None or isinstance(value, dict))
        ]
    return errors


def api_create(fake: Any, data: Any) -> Response:
    """Runs without the lock held: the validation call may reach a receiver that calls us back."""
    errors = _check(data, creating=True)
    if errors:
        raise invalid_data(errors)
    status, _ = validate(data["url"])
    if status != 200:
        raise invalid_data([field_error("/url", "invalid", "The URL did not answer the validation request with 200")])
    with fake.lock:
        now = fake.stamp()
        hook = {
            "id": fake.next_id(),
            "name": data.get("name") or "webhook",
            "description": data.get("description"),
            "url": data["url"],
            "subscriptions": data["subscriptions"],
            "ignoreSourceId": data.get("ignoreSourceId"),
            "isEnabled": data.get("isEnabled", True),
            "createdBy": fake.agent_id,
            "createdTime": now,
            "modifiedTime": now,
        }
        fake.webhooks[hook["id"]] = hook
        fake.counters["webhook_create"] += 1
        return Response(200, _hook_json(hook))


def api_update(fake: Any, hook_id: str, data: Any) -> Response:
    errors = _check(data, creating=False)
    if errors:
        raise invalid_data(errors)
    if "url" in data and validate(data["url"])[0] != 200:
        raise invalid_data([field_error("/url", "invalid", "The URL did not answer the validation request with 200")])
    with fake.lock:
        hook = fake.webhooks.get(hook_id)
        if hook is None:
            raise not_found()
        hook.update(data, modifiedTime=fake.stamp())
        return Response(200, _hook_json(hook))


def api_list(fake: Any) -> Response:
    hooks = [_hook_json(hook) for hook in fake.webhooks.values()]
    return Response(200, {"data": hooks}) if hooks else Response(204)


def api_get(fake: Any, hook_id: str) -> Response:
    if hook_id not in fake.webhooks:
        raise not_found()
    return Response(200, _hook_json(fake.webhooks[hook_id]))


def api_delete(fake: Any, hook_id: str) -> Response:
    if fake.webhooks.pop(hook_id, None) is None:
        raise not_found()
    return Response(204)
