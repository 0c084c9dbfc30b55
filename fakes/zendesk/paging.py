"""Cursor and offset pagination with Zendesk's envelopes and limits."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fakes.zendesk import errors
from fakes.zendesk.records import PRIORITIES, STATUSES, epoch

if TYPE_CHECKING:
    from fakes.zendesk.wire import Request

OFFSET_DEPTH_LIMIT = 10_000


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str) -> list[Any] | None:
    try:
        value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error):
        return None
    return value if isinstance(value, list) else None


def link(req: Request, drop: Sequence[str], add: Sequence[tuple[str, Any]]) -> str:
    """The request's own URL (same host and port) with some parameters replaced."""
    params = [(k, v) for k, v in req.pairs if k not in drop]
    params.extend((k, str(v)) for k, v in add)
    return f"{req.base}{req.path}?{urlencode(params)}" if params else f"{req.base}{req.path}"


def uses_cursor(req: Request) -> bool:
    return any(k.startswith("page[") for k in req.query)


def positive_int(req: Request, name: str, default: int) -> int:
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.pagination_parameter(f"{name} must be an integer") from None
    if value < 1:
        raise errors.pagination_parameter(f"{name} must be greater than 0")
    return value


def cursor_page(
    req: Request, items: Sequence[Any], key: Callable[[Any], list[Any]], size_max: int = 100
) -> tuple[list[Any], dict[str, Any]]:
    """One page of `items` (sorted ascending by `key`) and its `meta` and `links`."""
    size = positive_int(req, "page[size]", 100)
    if size > size_max:
        raise errors.pagination_parameter(f"page[size] is limited to {size_max}")
    after, before = req.arg("page[after]"), req.arg("page[before]")
    keys = [key(item) for item in items]
    if after:
        pos = decode_cursor(after)
        if pos is None:
            raise errors.pagination_parameter("page[after] is not a valid cursor")
        idx = [n for n, k in enumerate(keys) if k > pos]
        chosen = idx[:size]
        has_more = len(idx) > size
    elif before:
        pos = decode_cursor(before)
        if pos is None:
            raise errors.pagination_parameter("page[before] is not a valid cursor")
        idx = [n for n, k in enumerate(keys) if k < pos]
        chosen = idx[-size:]
        has_more = len(idx) > size
    else:
        chosen = list(range(min(size, len(items))))
        has_more = len(items) > size
    if req.fake.cursor_has_more_on_full_page and not before:
        # Some accounts answer has_more whenever the page is full, so the last page can be empty.
        has_more = len(chosen) == size
    page = [items[n] for n in chosen]
    after_cursor = encode_cursor(keys[chosen[-1]]) if chosen else None
    before_cursor = encode_cursor(keys[chosen[0]]) if chosen else None
    drop = ("page[after]", "page[before]")
    meta = {"has_more": has_more, "after_cursor": after_cursor, "before_cursor": before_cursor}
    links = {
        "prev": link(req, drop, [("page[before]", before_cursor)]) if before_cursor else None,
        "next": link(req, drop, [("page[after]", after_cursor)]) if after_cursor else None,
    }
    return page, {"meta": meta, "links": links}


def offset_page(
    req: Request, items: Sequence[Any], per_page_max: int = 100, depth_limit: int | None = OFFSET_DEPTH_LIMIT
) -> tuple[list[Any], dict[str, Any]]:
    """One page by `page`/`per_page` and its `next_page`, `previous_page` and `count`."""
    page = positive_int(req, "page", 1)
    per_page = min(positive_int(req, "per_page", per_page_max), per_page_max)
    if depth_limit is not None and page * per_page > depth_limit:
        raise errors.pagination_depth()
    start = (page - 1) * per_page
    chunk = list(items[start : start + per_page])
    drop = ("page", "per_page")
    more = start + per_page < len(items)
    return chunk, {
        "next_page": link(req, drop, [("page", page + 1), ("per_page", per_page)]) if more else None,
        "previous_page": link(req, drop, [("page", page - 1), ("per_page", per_page)]) if page > 1 else None,
        "count": len(items),
    }


CURSOR_SORTS = ("id", "updated_at", "status")
OFFSET_SORTS = ("id", "created_at", "updated_at", "status", "priority")


def sort_value(record: dict[str, Any], field: str) -> float:
    value = record.get(field)
    if field == "status":
        return STATUSES.index(value) if value in STATUSES else len(STATUSES)
    if field == "priority":
        return PRIORITIES.index(value) if value in PRIORITIES else -1
    if isinstance(value, str):
        return epoch(value)
    return value if isinstance(value, int | float) else 0


def ordered(req: Request, items: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], Callable[[Any], list[Any]]]:
    """Sort as the request asks and give the cursor key for that order.

    Cursor paging sorts by `sort` (id, updated_at or status, `-` for descending) and silently
    ignores `sort_by`/`sort_order`; offset paging is the other way round.
    """
    if uses_cursor(req):
        sort = req.arg("sort") or "id"
        field, desc = sort.removeprefix("-"), sort.startswith("-")
        if field not in CURSOR_SORTS:
            raise errors.pagination_parameter(f"sort is not valid for cursor pagination: {sort}")
    else:
        field = req.arg("sort_by") or "id"
        field = field if field in OFFSET_SORTS else "id"
        desc = (req.arg("sort_order") or "asc") == "desc"
    sign = -1 if desc else 1

    def key(record: dict[str, Any]) -> list[Any]:
        return [sign * sort_value(record, field), sign * record["id"]]

    return sorted(items, key=key), key


def paged(
    req: Request, items: Sequence[dict[str, Any]], collection: str, view: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """The list envelope either pagination style gives, chosen by the request's parameters."""
    items, key = ordered(req, items)
    if uses_cursor(req):
        chunk, envelope = cursor_page(req, items, key)
    else:
        chunk, envelope = offset_page(req, items)
    return {collection: [view(item) for item in chunk], **envelope}
