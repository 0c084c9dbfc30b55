"""The mixed agent workload of ``make bench-load``: which requests an agent sends, and how often.

Plain Python, with neither locust nor Django: the locustfile sends these requests over HTTP, and the
suite sends them through Django's test client, so what the load run asks is checked to answer 2xx.

Writes never race each other: an agent changes the status only of tickets it created itself (new →
open → in progress → open ...), so no two simulated agents move the same ticket; replies go to any
ticket. Tickets it creates carry ``SUBJECT_PREFIX`` so they can be told from the desk's own.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

SUBJECT_PREFIX = "LOAD "
# The next status of a ticket the agent created: a cycle the workflow allows at every step.
NEXT_STATUS = {"new": "open", "open": "in_progress", "in_progress": "open"}
# Relative weights of each kind of request (an agent's day: mostly reading the queue and tickets).
WEIGHTS = {"list": 25, "filter": 15, "search": 12, "detail": 25, "comment": 10, "create": 5, "status": 8}


@dataclass(frozen=True)
class Request:
    name: str  # the row it is counted under (one per kind, not per URL)
    method: str
    path: str
    body: dict | None = None


@dataclass
class Agent:
    """One simulated agent: the desk's ticket ids it reads, and the tickets it created (id → status)."""

    tickets: list[int]
    category: str | None
    words: dict
    rng: random.Random = field(default_factory=random.Random)
    own: dict[int, str] = field(default_factory=dict)

    def list(self) -> Request:
        return Request("list", "GET", "/api/v1/tickets")

    def filter(self) -> Request:
        path = self.rng.choice(
            [
                "/api/v1/tickets?status=open,in_progress&ordering=resolution_due_at",
                "/api/v1/tickets?priority=urgent,high&status=open",
                "/api/v1/tickets?overdue=true",
            ]
        )
        return Request("filter", "GET", path)

    def search(self) -> Request:
        # Mostly common words, now and then the rare and the absent one (the planner's hard cases).
        word = self.rng.choice([*self.words["common"], self.words["rare"], self.words["absent"]])
        return Request("search", "GET", f"/api/v1/tickets?search={word}")

    def detail(self) -> Request:
        return Request("detail", "GET", f"/api/v1/tickets/{self.rng.choice(self.tickets)}")

    def comment(self) -> Request:
        ticket = self.rng.choice(self.tickets)
        body = {"body": f"Load reply {uuid.uuid4().hex[:8]}", "is_internal": self.rng.random() < 0.3}
        return Request("comment", "POST", f"/api/v1/tickets/{ticket}/comments", body)

    def create(self) -> Request:
        body = {
            "subject": f"{SUBJECT_PREFIX}{uuid.uuid4().hex[:8]} printer offline",
            "description": "Made by the load run.",
            "priority": self.rng.choice(["low", "medium", "high"]),
        }
        if self.category:
            body["category"] = self.category
        return Request("create", "POST", "/api/v1/tickets", body)

    def status(self) -> Request | None:
        """The next status of one of this agent's own tickets; None while it has none (create first)."""
        if not self.own:
            return None
        ticket = self.rng.choice(list(self.own))
        return Request("status", "PATCH", f"/api/v1/tickets/{ticket}/status", {"status": NEXT_STATUS[self.own[ticket]]})

    def answered(self, request: Request, status: int, document: object) -> None:
        """Keep track of the agent's own tickets from the answers to its writes."""
        if status >= 300 or not isinstance(document, dict):
            return
        if request.name in ("create", "status") and document.get("status") in NEXT_STATUS:
            self.own[int(document["id"])] = document["status"]

    def next(self) -> Request:
        """A request drawn by ``WEIGHTS`` (a status change becomes a create while the agent owns no ticket)."""
        kind = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        return getattr(self, kind)() or self.create()
