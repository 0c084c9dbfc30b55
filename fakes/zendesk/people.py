"""Users and organizations: /api/v2/users and /api/v2/organizations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakes.zendesk import errors
from fakes.zendesk.errors import Reply, problem
from fakes.zendesk.paging import offset_page, paged
from fakes.zendesk.records import USER_ROLES, iso, new_organization, new_user, normalize_tags, public_view

if TYPE_CHECKING:
    from fakes.zendesk.wire import Request

_USER_FIELDS = ("name", "email", "role", "organization_id", "external_id", "phone", "details", "notes", "time_zone")
_ORG_FIELDS = ("name", "external_id", "details", "notes", "group_id", "shared_tickets", "shared_comments")
ANONYMOUS_USER = {
    "id": None,
    "url": None,
    "name": "Anonymous user",
    "email": "invalid@example.com",
    "role": "end-user",
    "locale": "en-US",
    "locale_id": 1,
    "time_zone": "UTC",
    "organization_id": None,
    "verified": False,
    "active": True,
}


class PeopleMixin:
    def _init_people(self) -> None:
        self.users: dict[int, dict[str, Any]] = {}
        self.organizations: dict[int, dict[str, Any]] = {}
        group_id = self._new_id("group")
        stamp = iso(self._now())
        self.groups: dict[int, dict[str, Any]] = {
            group_id: {"id": group_id, "name": "Support", "default": True, "created_at": stamp, "updated_at": stamp}
        }
        self.default_group_id = group_id
        admin = self._create_user(name="Fake Admin", email=f"admin@{self.subdomain}.example.com", role="admin")
        self.admin_id: int = admin["id"]

    # -- helpers for tests and for the ticket code -------------------------------------------------

    def create_user(
        self, name: str, email: str | None = None, *, role: str = "end-user", **fields: Any
    ) -> dict[str, Any]:
        """Add a user as an admin would in Zendesk; returns a copy of the record."""
        with self.lock:
            return dict(self._create_user(name=name, email=email, role=role, **fields))

    def create_organization(self, name: str, **fields: Any) -> dict[str, Any]:
        with self.lock:
            record = new_organization(self._new_id("organization"), name=name, now=self._now())
            record.update(fields)
            self.organizations[record["id"]] = record
            return dict(record)

    def _create_user(self, *, name: str, email: str | None, role: str = "end-user", **fields: Any) -> dict[str, Any]:
        record = new_user(
            self._new_id("user"), name=name, email=email.lower() if email else None, role=role, now=self._now()
        )
        if role != "end-user":
            record["default_group_id"] = self.default_group_id
        record.update(fields)
        self.users[record["id"]] = record
        return record

    def _user_by_email(self, email: str | None) -> dict[str, Any] | None:
        if not email:
            return None
        wanted = email.lower()
        return next((u for u in self.users.values() if u["email"] == wanted), None)

    def _user_or_invalid(self, user_id: Any, field: str) -> dict[str, Any]:
        user = self.users.get(user_id) if isinstance(user_id, int) else None
        if user is None:
            label = field.replace("_id", "").capitalize()
            raise errors.record_invalid({field: [problem(f"{label}: is invalid", "InvalidValue")]})
        return user

    def _view(self, kind: str, record: dict[str, Any], base: str) -> dict[str, Any]:
        return public_view(kind, record, base)

    def _validate_user(self, data: dict[str, Any], current: dict[str, Any] | None) -> None:
        details: dict[str, list[dict[str, str]]] = {}
        name = data.get("name", current["name"] if current else None)
        if not isinstance(name, str) or not name.strip():
            details["name"] = [problem("Name:  is too short (minimum one character)", "ValueTooShort")]
        email = data.get("email")
        if email:
            other = self._user_by_email(str(email))
            if other is not None and (current is None or other["id"] != current["id"]):
                details["email"] = [problem(f"Email: {email} is already being used by another user", "DuplicateValue")]
        if "role" in data and data["role"] not in USER_ROLES:
            details["role"] = [problem(f"Role: {data['role']} is not valid", "InvalidValue")]
        org = data.get("organization_id")
        if org is not None and org not in self.organizations:
            details["organization_id"] = [problem("Organization: is invalid", "InvalidValue")]
        if details:
            raise errors.record_invalid(details)

    def _apply_user(self, record: dict[str, Any], data: dict[str, Any]) -> None:
        for key in _USER_FIELDS:
            if key in data:
                record[key] = data[key].lower() if key == "email" and data[key] else data[key]
        if "tags" in data:
            record["tags"] = normalize_tags(data["tags"])
        if isinstance(data.get("user_fields"), dict):
            record["user_fields"].update(data["user_fields"])
        record["updated_at"] = iso(self._now())

    # -- users -------------------------------------------------------------------------------------

    def api_users_list(self, req: Request) -> Reply:
        roles = req.query.get("role[]") or req.query.get("role") or []
        items = [u for u in self.users.values() if not roles or u["role"] in roles]
        return Reply(200, paged(req, items, "users", lambda u: self._view("user", u, req.base)))

    def api_user_show(self, req: Request, user_id: str) -> Reply:
        user = self.users.get(int(user_id))
        if user is None:
            raise errors.not_found()
        return Reply(200, {"user": self._view("user", user, req.base)})

    def api_user_me(self, req: Request) -> Reply:
        # Without credentials the real endpoint answers 200 with an anonymous user, not 401.
        if req.user is None:
            return Reply(200, {"user": dict(ANONYMOUS_USER)})
        return Reply(200, {"user": self._view("user", req.user, req.base)})

    def api_users_show_many(self, req: Request) -> Reply:
        users = [self.users[i] for i in self._ids_arg(req) if i in self.users]
        return Reply(
            200,
            {
                "users": [self._view("user", u, req.base) for u in users],
                "next_page": None,
                "previous_page": None,
                "count": len(users),
            },
        )

    def api_users_search(self, req: Request) -> Reply:
        query, external_id = req.arg("query"), req.arg("external_id")
        if query is None and external_id is None:
            raise errors.parameter_missing("query")
        if external_id is not None:
            items = [u for u in self.users.values() if u["external_id"] == external_id]
        else:
            text = (query or "").lower().removeprefix("email:").strip()
            items = [u for u in self.users.values() if text in u["name"].lower() or text in (u["email"] or "")]
        chunk, envelope = offset_page(req, sorted(items, key=lambda u: u["id"]))
        return Reply(200, {"users": [self._view("user", u, req.base) for u in chunk], **envelope})

    def api_user_create(self, req: Request) -> Reply:
        data = req.root("user")
        self._validate_user(data, None)
        record = self._create_user(name=data["name"], email=data.get("email"), role=data.get("role", "end-user"))
        self._apply_user(record, data)
        self.counters["user_create"] += 1
        return Reply(201, {"user": self._view("user", record, req.base)})

    def api_user_create_or_update(self, req: Request) -> Reply:
        data = req.root("user")
        existing = self._user_by_email(data.get("email")) or next(
            (u for u in self.users.values() if data.get("external_id") and u["external_id"] == data["external_id"]),
            None,
        )
        if existing is None:
            return self.api_user_create(req)
        self._validate_user(data, existing)
        self._apply_user(existing, data)
        return Reply(200, {"user": self._view("user", existing, req.base)})

    def api_user_update(self, req: Request, user_id: str) -> Reply:
        user = self.users.get(int(user_id))
        if user is None:
            raise errors.not_found()
        data = req.root("user")
        self._validate_user(data, user)
        self._apply_user(user, data)
        return Reply(200, {"user": self._view("user", user, req.base)})

    # -- organizations -----------------------------------------------------------------------------

    def _validate_organization(self, data: dict[str, Any], current: dict[str, Any] | None) -> None:
        name = data.get("name", current["name"] if current else None)
        if not isinstance(name, str) or not name.strip():
            raise errors.record_invalid({"name": [problem("Name: cannot be blank", "BlankValue")]})
        taken = any(o["name"].lower() == name.lower() and o is not current for o in self.organizations.values())
        if taken:
            raise errors.record_invalid({"name": [problem("Name: has already been taken", "DuplicateValue")]})

    def _apply_organization(self, record: dict[str, Any], data: dict[str, Any]) -> None:
        for key in _ORG_FIELDS:
            if key in data:
                record[key] = data[key]
        if "tags" in data:
            record["tags"] = normalize_tags(data["tags"])
        if isinstance(data.get("domain_names"), list):
            record["domain_names"] = [str(d).lower() for d in data["domain_names"]]
        if isinstance(data.get("organization_fields"), dict):
            record["organization_fields"].update(data["organization_fields"])
        record["updated_at"] = iso(self._now())

    def api_organizations_list(self, req: Request) -> Reply:
        items = list(self.organizations.values())
        return Reply(200, paged(req, items, "organizations", lambda o: self._view("organization", o, req.base)))

    def api_organization_show(self, req: Request, org_id: str) -> Reply:
        org = self.organizations.get(int(org_id))
        if org is None:
            raise errors.not_found()
        return Reply(200, {"organization": self._view("organization", org, req.base)})

    def api_organizations_search(self, req: Request) -> Reply:
        name, external_id = req.arg("name"), req.arg("external_id")
        if name is None and external_id is None:
            raise errors.parameter_missing("external_id")
        items = [
            o
            for o in self.organizations.values()
            if (external_id is not None and o["external_id"] == external_id)
            or (name is not None and o["name"].lower() == name.lower())
        ]
        return Reply(
            200,
            {
                "organizations": [self._view("organization", o, req.base) for o in items],
                "next_page": None,
                "previous_page": None,
                "count": len(items),
            },
        )

    def api_organization_create(self, req: Request) -> Reply:
        data = req.root("organization")
        self._validate_organization(data, None)
        record = new_organization(self._new_id("organization"), name=data["name"], now=self._now())
        self._apply_organization(record, data)
        self.organizations[record["id"]] = record
        self.counters["organization_create"] += 1
        return Reply(201, {"organization": self._view("organization", record, req.base)})

    def api_organization_update(self, req: Request, org_id: str) -> Reply:
        org = self.organizations.get(int(org_id))
        if org is None:
            raise errors.not_found()
        data = req.root("organization")
        self._validate_organization(data, org)
        self._apply_organization(org, data)
        return Reply(200, {"organization": self._view("organization", org, req.base)})

    @staticmethod
    def _ids_arg(req: Request) -> list[int]:
        raw = [part for part in (req.arg("ids") or "").split(",") if part.strip()]
        if len(raw) > 100:
            raise errors.bad_request(
                "TooManyValues", "Too many values specified for parameter 'ids'. Maximum 100 allowed."
            )
        try:
            return [int(part) for part in raw]
        except ValueError:
            raise errors.bad_request("InvalidValue", "ids must be a comma-separated list of integers") from None
