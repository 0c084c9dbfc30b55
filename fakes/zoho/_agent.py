"""``FakeZoho``'s agent-side helpers: acting in the desk as its people would (the API is not used)."""

from __future__ import annotations

from typing import Any

from . import _store
from ._serialize import comment_json, thread_json, ticket_json


class AgentSide:
    """Mixed into ``FakeZoho``: each helper holds its lock and moves ``modifiedTime`` as the desk would."""

    def create_ticket(
        self,
        subject: str = "Printer on fire",
        *,
        contact_email: str = "customer@example.com",
        contact_name: str | None = None,
        description: str | None = None,
        agent_id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Create a ticket as the desk would for an incoming email; ``fields`` use API names."""
        with self.lock:
            data = {"subject": subject, "departmentId": self.department_id, **fields}
            if "contactId" not in data:
                data["contact"] = {"email": contact_email, "lastName": contact_name or contact_email.split("@")[0]}
            if description is not None:
                data["description"] = description
            ticket = _store.create_ticket(self, data, actor_id=agent_id or self.agent_id)
            if description:
                thread = {**self._incoming_email(ticket, description), "isDescriptionThread": True}
                thread["id"], thread["createdTime"] = self.next_id(), ticket["createdTime"]
                self.threads[ticket["id"]] = [thread]
            return ticket_json(self, ticket)

    def update_ticket(self, ticket_id: str, *, agent_id: str | None = None, **changes: Any) -> dict[str, Any]:
        with self.lock:
            ticket = _store.update_ticket(self, self.tickets[ticket_id], changes, actor_id=agent_id or self.agent_id)
            return ticket_json(self, ticket)

    def set_status(self, ticket_id: str, status: str, *, agent_id: str | None = None) -> dict[str, Any]:
        return self.update_ticket(ticket_id, status=status, agent_id=agent_id)

    def add_comment(
        self,
        ticket_id: str,
        content: str,
        is_public: bool = True,
        author: str | dict[str, Any] | None = None,
        content_type: str = "plainText",
    ) -> dict[str, Any]:
        """``author``: an agent id (default: the default agent) or a person dict (``type`` END_USER...)."""
        with self.lock:
            if isinstance(author, dict):
                commenter = {"firstName": None, "lastName": None, "email": None, "type": "END_USER", **author}
                commenter.setdefault("id", self.next_id())
            else:
                commenter = self.agent_person(author)
            data = {"content": content, "isPublic": is_public, "contentType": content_type}
            comment = _store.add_comment(self, self.tickets[ticket_id], data, commenter)
            return comment_json(self, comment)

    def add_customer_reply(self, ticket_id: str, content: str) -> dict[str, Any]:
        """The requester answers by email: an incoming public thread (reopens On Hold / Closed tickets)."""
        with self.lock:
            ticket = self.tickets[ticket_id]
            thread = self._incoming_email(ticket, content)
            return thread_json(self, _store.add_thread(self, ticket, thread), with_content=True)

    def _incoming_email(self, ticket: dict[str, Any], content: str) -> dict[str, Any]:
        """A public thread as the requester's email to the desk makes it."""
        return {
            "channel": "EMAIL",
            "direction": "in",
            "visibility": "public",
            "contentType": "text/html",
            "content": content,
            "author": self.contact_person(ticket["contactId"]),
            "fromEmailAddress": ticket["email"],
            "to": f"support@{self.portal_name}.example.com",
        }

    def get_ticket(self, ticket_id: str) -> dict[str, Any]:
        with self.lock:
            return ticket_json(self, self.tickets[ticket_id])
