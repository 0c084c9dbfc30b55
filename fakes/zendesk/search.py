"""Search (/api/v2/search, count, export) and the cursor-based incremental ticket export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from fakes.zendesk import errors
from fakes.zendesk.errors import Reply
from fakes.zendesk.paging import cursor_page, decode_cursor, encode_cursor, link, offset_page, positive_int
from fakes.zendesk.records import PRIORITIES, STATUSES, epoch

if TYPE_CHECKING:
    from fakes.zendesk.wire import Request

SEARCH_RESULT_LIMIT = 1000
KINDS = ("ticket", "user", "organization", "group")
_TOKEN = re.compile(r'(-?)(?:([A-Za-z_]+)(:|>=|<=|>|<))?(?:"([^"]*)"|(\S+))')
_RELATIVE = re.compile(r"^(\d+)(minute|hour|day|week|month|year)s?$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800, "month": 2_592_000, "year": 31_536_000}
_KEYS = {
    "ticket": {
        "status",
        "priority",
        "ticket_type",
        "requester",
        "assignee",
        "submitter",
        "organization",
        "group",
        "tags",
        "tag",
        "external_id",
        "subject",
        "description",
        "comment",
        "created",
        "updated",
        "via",
    },
    "user": {"name", "email", "role", "organization", "tags", "tag", "external_id", "created", "updated"},
    "organization": {"name", "tags", "tag", "external_id", "created", "updated"},
    "group": {"name", "created", "updated"},
}


@dataclass(frozen=True)
class Term:
    negated: bool
    key: str | None
    op: str
    value: str
    phrase: bool


def parse_query(query: str) -> list[Term]:
    terms = []
    for neg, key, op, quoted, bare in _TOKEN.findall(query):
        value = quoted if quoted or not bare else bare
        terms.append(Term(bool(neg), key.lower() or None, op or ":", value, bool(quoted)))
    return terms


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def text_matches(term: Term, texts: list[str]) -> bool:
    value = term.value.lower()
    joined = "\n".join(t for t in texts if t).lower()
    if term.phrase or re.search(r"[^\w*]", value):
        return value in joined
    words = _words(joined)
    if value.endswith("*"):
        return any(w.startswith(value[:-1]) for w in words)
    return value in words


def _compare(actual: float | None, op: str, low: float, high: float | None = None) -> bool:
    """Compare with an instant (`high` None) or with a whole day [low, high) for date-only values."""
    if actual is None:
        return False
    if high is None:
        return {":": actual == low, ">": actual > low, ">=": actual >= low, "<": actual < low, "<=": actual <= low}[op]
    return {
        ":": low <= actual < high,
        ">": actual >= high,
        ">=": actual >= low,
        "<": actual < low,
        "<=": actual < high,
    }[op]


def _date_bounds(value: str, now: float) -> tuple[float, float | None] | None:
    relative = _RELATIVE.match(value.lower())
    if relative:
        return now - int(relative.group(1)) * _UNIT_SECONDS[relative.group(2)], None
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).replace(tzinfo=UTC)
            return day.timestamp(), (day + timedelta(days=1)).timestamp()
        return float(epoch(value)), None
    except ValueError:
        return None


class SearchMixin:
    # -- matching ----------------------------------------------------------------------------------

    def _person_matches(self, user_id: int | None, value: str, req: Request) -> bool:
        value = value.lower()
        if value == "none":
            return user_id is None
        if value == "me":
            return req.user is not None and user_id == req.user["id"]
        if user_id is None or user_id not in self.users:
            return False
        if value.isdigit():
            return user_id == int(value)
        user = self.users[user_id]
        return value == (user["email"] or "") or value == user["name"].lower()

    def _named_matches(self, store: dict[int, dict[str, Any]], record_id: int | None, value: str) -> bool:
        if value.lower() == "none":
            return record_id is None
        if record_id is None or record_id not in store:
            return False
        return (value.isdigit() and int(value) == record_id) or store[record_id]["name"].lower() == value.lower()

    def _field_matches(self, kind: str, record: dict[str, Any], term: Term, req: Request) -> bool:
        key, op, value = term.key, term.op, term.value
        if key in ("created", "updated"):
            bounds = _date_bounds(value, self._now())
            return bounds is not None and _compare(epoch(record[f"{key}_at"]), op, *bounds)
        if key in ("tags", "tag"):
            return value.lower() in record.get("tags", [])
        if key == "external_id":
            return str(record.get("external_id")) == value
        if key == "organization":
            return self._named_matches(self.organizations, record.get("organization_id"), value)
        if kind == "ticket":
            if key in ("status", "priority"):
                order = STATUSES if key == "status" else PRIORITIES
                if value.lower() == "none":
                    return record[key] is None
                if value.lower() not in order or record[key] not in order:
                    return False
                return _compare(order.index(record[key]), op, order.index(value.lower()))
            if key == "ticket_type":
                return (record["type"] or "none") == value.lower()
            if key in ("requester", "assignee", "submitter"):
                return self._person_matches(record[f"{key}_id"], value, req)
            if key == "group":
                return self._named_matches(self.groups, record.get("group_id"), value)
            if key in ("subject", "description"):
                return text_matches(term, [record[key]])
            if key == "comment":
                return text_matches(term, [c["body"] for c in self.comments.get(record["id"], [])])
            if key == "via":
                return record["via"]["channel"] == value.lower()
        if key == "name":
            return text_matches(term, [record["name"]])
        if key == "email":
            return (record.get("email") or "") == value.lower()
        if key == "role":
            return record.get("role") == value.lower()
        return False

    def _free_text(self, kind: str, record: dict[str, Any]) -> list[str]:
        if kind == "ticket":
            return [record["subject"], record["description"], *(c["body"] for c in self.comments.get(record["id"], []))]
        if kind == "user":
            return [record["name"], record.get("email") or ""]
        return [record["name"]]

    def _matches(self, kind: str, record: dict[str, Any], terms: list[Term], req: Request) -> bool:
        # The same keyword given twice (status:open status:pending) matches either; all else must hold.
        groups: dict[str, list[Term]] = {}
        for term in terms:
            if term.key == "type":
                continue
            if term.key is None or term.key not in _KEYS[kind]:
                plain = (
                    term
                    if term.key is None
                    else Term(term.negated, None, ":", f"{term.key}{term.op}{term.value}", True)
                )
                if text_matches(plain, self._free_text(kind, record)) == plain.negated:
                    return False
            elif term.negated:
                if self._field_matches(kind, record, term, req):
                    return False
            elif term.op == ":":
                groups.setdefault(term.key, []).append(term)
            elif not self._field_matches(kind, record, term, req):
                return False
        return all(any(self._field_matches(kind, record, t, req) for t in ts) for ts in groups.values())

    def _search(self, req: Request, query: str, only: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        terms = parse_query(query)
        kinds = [t.value.lower() for t in terms if t.key == "type" and not t.negated]
        kinds = [k for k in KINDS if (not kinds or k in kinds) and (only is None or k == only)]
        visible_before = self._now() - self.search_index_delay if self.search_index_delay else None
        stores = {"ticket": self.tickets, "user": self.users, "organization": self.organizations, "group": self.groups}
        found = [
            (kind, record)
            for kind in kinds
            for record in sorted(stores[kind].values(), key=lambda r: r["id"])
            if (visible_before is None or epoch(record["created_at"]) <= visible_before)
            and self._matches(kind, record, terms, req)
        ]
        sort_by = req.arg("sort_by")
        if sort_by in ("created_at", "updated_at", "priority", "status", "ticket_type"):
            field = "type" if sort_by == "ticket_type" else sort_by
            rank = {"status": STATUSES, "priority": PRIORITIES}.get(field)

            def key(item: tuple[str, dict[str, Any]]) -> Any:
                value = item[1].get(field)
                if rank is not None:
                    return rank.index(value) if value in rank else -1
                return epoch(value) if field.endswith("_at") else (value or "")

            found.sort(key=key, reverse=(req.arg("sort_order") or "desc") == "desc")
        return found

    def _result(self, kind: str, record: dict[str, Any], base: str) -> dict[str, Any]:
        return {**self._view(kind, record, base), "result_type": kind}

    # -- endpoints ---------------------------------------------------------------------------------

    def _query(self, req: Request) -> str:
        query = req.arg("query")
        if not query or not query.strip():
            raise errors.bad_request("invalid", "Invalid search: the query parameter is required")
        return query

    def api_search(self, req: Request) -> Reply:
        if any(k.startswith("page[") for k in req.query):
            raise errors.bad_request("invalid", "page must be an integer")  # search pages by offset only
        query = self._query(req)
        page, per_page = positive_int(req, "page", 1), min(positive_int(req, "per_page", 100), 100)
        if page * per_page > SEARCH_RESULT_LIMIT:
            raise errors.search_limit()
        self.counters["search"] += 1
        chunk, envelope = offset_page(req, self._search(req, query), depth_limit=None)
        results = [self._result(kind, record, req.base) for kind, record in chunk]
        return Reply(200, {"results": results, "facets": None, **envelope})

    def api_search_count(self, req: Request) -> Reply:
        return Reply(200, {"count": len(self._search(req, self._query(req)))})

    def api_search_export(self, req: Request) -> Reply:
        kind = req.arg("filter[type]")
        if kind not in KINDS:
            raise errors.bad_request("invalid", "filter[type] must be one of ticket, user, organization, group")
        found = [record for _, record in self._search(req, self._query(req), only=kind)]
        chunk, envelope = cursor_page(req, sorted(found, key=lambda r: r["id"]), lambda r: [r["id"]], size_max=1000)
        envelope["meta"]["before_cursor"] = envelope["links"]["prev"] = None  # export pages forward only
        self.counters["search_export"] += 1
        return Reply(200, {"results": [self._result(kind, r, req.base) for r in chunk], "facets": None, **envelope})

    def api_incremental_tickets(self, req: Request) -> Reply:
        per_page = min(positive_int(req, "per_page", 1000), 1000)
        cursor, start = req.arg("cursor"), req.arg("start_time")
        if cursor:
            pos = decode_cursor(cursor)
            if pos is None or len(pos) != 3 or pos[0] not in ("a", "b"):
                raise errors.bad_request("InvalidValue", "cursor is invalid")
            direction, position = pos[0], pos[1:]
        elif start is not None:
            try:
                start_time = int(start)
            except ValueError:
                raise errors.bad_request("InvalidValue", "start_time must be a unix timestamp") from None
            if start_time > self._now() - 60:
                raise errors.bad_request("InvalidValue", "Too recent start_time. Use a start_time older than 1 minute")
            direction, position = "a", [start_time, -1]
        else:
            raise errors.bad_request("InvalidValue", "start_time or cursor is required")
        tickets = list(self.tickets.values())
        if req.arg("exclude_deleted") != "true":
            tickets += list(self.deleted_tickets.values())
        meta = self._ticket_meta
        keyed = sorted((([meta[t["id"]]["updated"], meta[t["id"]]["seq"]], t) for t in tickets), key=lambda i: i[0])
        if direction == "a":
            rest = [item for item in keyed if item[0] > position]
            page, end = rest[:per_page], len(rest) <= per_page
        else:
            rest = [item for item in keyed if item[0] < position]
            page, end = rest[-per_page:], len(rest) <= per_page
        after = encode_cursor(["a", *(page[-1][0] if page else position)])
        before = encode_cursor(["b", *page[0][0]]) if page else None
        drop = ("cursor", "start_time")
        self.counters["incremental_export"] += 1
        return Reply(
            200,
            {
                "tickets": [self._view("ticket", t, req.base) for _, t in page],
                "after_url": link(req, drop, [("cursor", after)]),
                "after_cursor": after,
                "before_url": link(req, drop, [("cursor", before)]) if before else None,
                "before_cursor": before,
                "end_of_stream": end,
            },
        )
