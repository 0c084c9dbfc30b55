"""Scale-out: two web servers, two Celery workers and one beat on one PostgreSQL, one Redis and one S3 API.

A bounded mixed load (create, comment, assign, status, resolve, upload) goes through both web servers,
each flow alternating between them, so no request may count on reaching the server that saw the last
one. Afterwards every clock of the tickets left open is put past due and a batch of SLA sweeps is
published, so both workers run sweeps over the same rows at once. What must hold:

- every acknowledged write is in the database once (``lost`` and ``duplicated`` count all kinds);
- every email the outbox holds for these tickets reaches the SMTP sink once (``late`` counts slow ones);
- every breached clock is recorded once, whichever worker's sweep got there first;
- a JWT made by one server works on the other, and so does an admin session cookie;
- a file uploaded through one server downloads byte for byte from the other, and lives in the bucket.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from faults import procs
from faults.mail import count_mail, wait_for_mail
from faults.product import REQUEST_TIMEOUT, Product
from faults.services import S3
from faults.stack import Result, Stack, histogram, ticket_figures

ADMIN = ("admin@example.com", "demo-admin-2026")  # tickets/demo.py: load_demo's admin
AGENT_EMAIL = "agent@example.com"
WORKERS = ("worker-1", "worker-2")
_RUNNING = ("new", "open", "in_progress", "escalated", "reopened")  # tickets/workflow.py SLA_RUNNING


def run(stack: Stack, flows: int = 40, threads: int = 8, sweeps: int = 8, mail_wait: float = 90.0) -> Result:
    began = time.monotonic()
    s3 = S3(stack.folder / "s3").start()
    product = Product(stack.folder / "scale-out", stack.postgres, stack.redis, stack.smtp)
    product.env.update(s3.env())
    try:
        product.manage("load_demo", "--force")
        webs = [product.base, f"http://127.0.0.1:{procs.free_port()}"]
        for number, base in enumerate(webs, 1):
            product.gunicorn(port=int(base.rsplit(":", 1)[1]), name=f"web-{number}")
        for name in WORKERS:
            product.worker(name)
        product.beat()
        return _measure(stack, product, s3, webs, flows, threads, sweeps, mail_wait, began)
    finally:
        product.stop()
        s3.stop()


def _measure(stack, product, s3, webs, flows, threads, sweeps, mail_wait, began) -> Result:
    admin = Api.login(webs[0], *ADMIN)
    customer = Api.register(webs[1])
    agent_id = product.postgres.query("SELECT id FROM accounts_user WHERE email = %s", AGENT_EMAIL)[0][0]
    prefix = f"scale-out-{uuid.uuid4().hex[:6]}-"
    load = Load(webs, customer, admin, agent_id, prefix)
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(load.flow, range(flows)))
    load_done = time.monotonic()

    writes = _write_figures(product, load, prefix)
    breaches = _sweep_from_both_workers(stack, product, prefix, sweeps)
    expected_mail = _message_ids(product, prefix)
    wait_for_mail(stack.smtp, expected_mail, mail_wait)
    mail = count_mail(stack.smtp, expected_mail, since=load_done)
    media = product.folder / "var" / "media"
    local_files = sum(1 for path in media.rglob("*") if path.is_file()) if media.exists() else 0
    across = {
        "jwt_across": _jwt_across(webs),
        "session_across": _session_across(webs),
        "downloads_across": f"{load.downloads_equal}/{load.uploads}",
        "files_in_bucket": _files_in_bucket(product, s3, prefix),
        "local_files": local_files,
    }
    wrong = [across["jwt_across"] != "ok", across["session_across"] != "ok", load.downloads_equal != load.uploads,
             across["files_in_bucket"] != f"{load.uploads}/{load.uploads}", local_files != 0]  # fmt: skip
    return Result(
        scenario="scale-out",
        acknowledged=writes["acknowledged"],
        found=writes["found"],
        lost=writes["lost"] + mail["lost"] + breaches["missing"],
        duplicated=writes["duplicated"] + mail["duplicated"] + breaches["duplicated"],
        late=mail["late"],
        seconds=time.monotonic() - began,
        extra={
            "writes": writes["by_kind"],
            "answers": histogram(load.statuses),
            "emails_due": len(expected_mail),
            "emails_delivered": mail["delivered"],
            "breaches_due": breaches["due"],
            "breaches_recorded": breaches["recorded"],
            "sweeps": breaches["sweeps"],
            **across,
            "checks_failed": sum(wrong),
        },
    )


class Api:
    """A signed-in API user; thread-safe (one HTTP session per thread)."""

    def __init__(self, access: str) -> None:
        # A new connection each time: a POST sent on a kept-alive connection just as gunicorn closes it
        # fails without an answer (the client's race, not the server's), and no write here is retried.
        self.headers = {"Authorization": f"Bearer {access}", "Connection": "close"}
        self._local = threading.local()

    @classmethod
    def login(cls, base: str, email: str, password: str) -> Api:
        response = requests.post(f"{base}/api/v1/auth/login", json={"email": email, "password": password}, timeout=15)
        response.raise_for_status()
        return cls(response.json()["access"])

    @classmethod
    def register(cls, base: str) -> Api:
        email, password = f"scale-{uuid.uuid4().hex[:8]}@example.com", f"Scale-{uuid.uuid4().hex}"
        response = requests.post(
            f"{base}/api/v1/auth/register", json={"email": email, "password": password}, timeout=REQUEST_TIMEOUT
        )
        if response.status_code not in (200, 201):
            raise RuntimeError(f"register answered {response.status_code}: {response.text[:300]}")
        return cls.login(base, email, password)

    def call(self, method: str, url: str, *, key: str | None = None, **options) -> requests.Response | None:
        """One request; None when no answer came (never retried: what counts is what was acknowledged)."""
        session = self._local.__dict__.get("session")
        if session is None:
            session = self._local.session = requests.Session()
            session.headers.update(self.headers)
        headers = {"Idempotency-Key": key} if key else {}
        try:
            return session.request(method, url, headers=headers, timeout=REQUEST_TIMEOUT, **options)
        except requests.RequestException:
            self._local.__dict__.pop("session", None)
            return None


@dataclass
class Load:
    """The mixed load; ``answers[kind][key]`` is each write's status code (None: no answer)."""

    webs: list[str]
    customer: Api
    admin: Api
    agent_id: int
    prefix: str
    answers: dict[str, dict[str, int | None]] = field(
        default_factory=lambda: {kind: {} for kind in ("ticket", "comment", "assign", "progress", "resolve", "file")}
    )
    statuses: list[object] = field(default_factory=list)
    uploads: int = 0
    downloads_equal: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def flow(self, number: int) -> None:
        """One ticket's life, each step through the other web server than the step before."""
        a, b = self.webs[number % 2], self.webs[(number + 1) % 2]
        subject = f"{self.prefix}{number}"
        created = self._write("ticket", subject, self.customer, "POST", f"{a}/api/v1/tickets",
                              key=f"{subject}-create", json={"subject": subject, "category": "general"})  # fmt: skip
        if created is None:
            return
        ticket = f"/api/v1/tickets/{created.json()['id']}"
        self._write("comment", f"{subject} reply", self.customer, "POST", f"{b}{ticket}/comments",
                    key=f"{subject}-comment", json={"body": f"{subject} reply"})  # fmt: skip
        self._write("assign", subject, self.admin, "POST", f"{a}{ticket}/assign", json={"assignee_id": self.agent_id})
        self._write("progress", subject, self.admin, "PATCH", f"{b}{ticket}/status", json={"status": "in_progress"})
        if number % 2 == 0:
            self._write("resolve", subject, self.admin, "POST", f"{a}{ticket}/resolve", json={"resolution_notes": "ok"})
        if number % 4 == 0:
            self._upload_and_download(subject, f"{a}{ticket}/attachments", b)

    def _upload_and_download(self, subject: str, upload_url: str, other: str) -> None:
        content = f"{subject} {uuid.uuid4().hex}\n".encode()
        files = {"file": (f"{subject}.txt", content, "text/plain")}
        uploaded = self._write("file", f"{subject}.txt", self.customer, "POST", upload_url, files=files)
        if uploaded is None:
            return
        download = self.customer.call("GET", f"{other}/api/v1/attachments/{uploaded.json()['id']}")
        with self._lock:
            self.uploads += 1
            self.downloads_equal += bool(download is not None and download.status_code == 200
                                         and download.content == content)  # fmt: skip

    def _write(self, kind: str, label: str, api: Api, method: str, url: str, **options) -> requests.Response | None:
        """The response when it is an acknowledgement (2xx), else None; every answer is recorded."""
        response = api.call(method, url, **options)
        status = response.status_code if response is not None else None
        with self._lock:
            self.answers[kind][label] = status
            self.statuses.append(status)
        return response if status is not None and 200 <= status < 300 else None


def _write_figures(product: Product, load: Load, prefix: str) -> dict[str, object]:
    """Each kind of write: what was acknowledged against what the database holds, by key."""
    like = prefix + "%"
    per_ticket = (
        "SELECT t.subject, count(e.id) FROM tickets_ticket t JOIN tickets_ticketevent e ON e.ticket_id = t.id"
        " WHERE t.subject LIKE %s AND {} GROUP BY t.subject"
    )
    found: dict[str, Callable[[], list[tuple]]] = {
        "ticket": lambda: product.postgres.query(
            "SELECT subject, count(*) FROM tickets_ticket WHERE subject LIKE %s GROUP BY subject", like
        ),
        "comment": lambda: product.postgres.query(
            "SELECT body, count(*) FROM tickets_comment WHERE body LIKE %s GROUP BY body", like
        ),
        "assign": lambda: product.postgres.query(per_ticket.format("e.kind = 'assigned'"), like),
        "progress": lambda: product.postgres.query(
            per_ticket.format("e.kind = 'status_changed' AND e.new_value = 'in_progress'"), like
        ),
        "resolve": lambda: product.postgres.query(per_ticket.format("e.kind = 'resolved'"), like),
        "file": lambda: product.postgres.query(
            "SELECT filename, count(*) FROM tickets_attachment WHERE filename LIKE %s GROUP BY filename", like
        ),
    }
    totals = {"acknowledged": 0, "found": 0, "lost": 0, "duplicated": 0}
    by_kind = []
    for kind, query in found.items():
        figures = ticket_figures(load.answers[kind], dict(query()))
        for name in totals:
            totals[name] += figures[name]
        by_kind.append(f"{kind}:{figures['acknowledged']}/{figures['found']}")
    return {**totals, "by_kind": ",".join(by_kind)}


def _sweep_from_both_workers(stack: Stack, product: Product, prefix: str, sweeps: int) -> dict[str, object]:
    """Put every running clock of the run's tickets past due, publish ``sweeps`` sweeps at once, count breaches."""
    like, running = prefix + "%", list(_RUNNING)
    product.postgres.query(
        "UPDATE tickets_ticket SET"
        " first_response_due_at = CASE WHEN first_response_due_at IS NULL THEN NULL"
        "   ELSE now() - interval '1 minute' END,"
        " resolution_due_at = CASE WHEN resolution_due_at IS NULL THEN NULL ELSE now() - interval '1 minute' END"
        " WHERE subject LIKE %s AND status = ANY(%s) RETURNING id",
        like,
        running,
    )
    due = {
        (ticket, metric)
        for ticket, metric in product.postgres.query(
            "SELECT id, 'first_response' FROM tickets_ticket WHERE subject LIKE %s AND status = ANY(%s)"
            " AND first_response_due_at IS NOT NULL AND first_response_stopped_at IS NULL"
            " AND sla_first_response_minutes > 0"
            " UNION ALL SELECT id, 'resolution' FROM tickets_ticket WHERE subject LIKE %s AND status = ANY(%s)"
            " AND resolution_due_at IS NOT NULL",
            like,
            running,
            like,
            running,
        )
    }
    before = {name: _sweeps_done(product.folder / f"{name}.log") for name in WORKERS}
    from celery import Celery

    publisher = Celery(broker=stack.redis.url)
    for _ in range(sweeps):
        publisher.send_task("tickets.tasks.sla_sweep")
    procs.wait_until(
        lambda: sum(_sweeps_done(product.folder / f"{name}.log") - before[name] for name in WORKERS) >= sweeps,
        120,
        every=0.5,
    )
    recorded = product.postgres.query(
        "SELECT e.ticket_id, e.field, count(*) FROM tickets_ticketevent e JOIN tickets_ticket t ON t.id = e.ticket_id"
        " WHERE t.subject LIKE %s AND e.kind = 'sla_breached' GROUP BY e.ticket_id, e.field",
        like,
    )
    return {
        "due": len(due),
        "recorded": len(recorded),
        "missing": len(due - {(ticket, metric) for ticket, metric, _ in recorded}),
        "duplicated": sum(count - 1 for _, _, count in recorded),
        "sweeps": ",".join(f"{name}:{_sweeps_done(product.folder / f'{name}.log') - before[name]}" for name in WORKERS),
    }


def _sweeps_done(log: Path) -> int:
    text = log.read_text(errors="replace") if log.exists() else ""
    return sum(1 for line in text.splitlines() if "tickets.tasks.sla_sweep[" in line and " succeeded " in line)


def _message_ids(product: Product, prefix: str) -> set[str]:
    """The Message-ID of every email the outbox holds for the run's tickets (tickets/services/notifications.py)."""
    rows = product.postgres.query(
        "SELECT n.id, t.id, n.kind = 'ticket_created' AND n.recipient_id = t.requester_id"
        " FROM tickets_notification n JOIN tickets_ticket t ON t.id = n.ticket_id"
        " WHERE t.subject LIKE %s AND n.email_status <> 'skipped'",
        prefix + "%",
    )
    return {
        f"<ticket-{ticket}@127.0.0.1>" if first else f"<ticket-{ticket}.n{pk}@127.0.0.1>" for pk, ticket, first in rows
    }


def _files_in_bucket(product: Product, s3: S3, prefix: str) -> str:
    """How many of the run's attachments the bucket holds, of how many the database names."""
    names = [
        name
        for (name,) in product.postgres.query(
            "SELECT file FROM tickets_attachment WHERE filename LIKE %s", prefix + "%"
        )
    ]
    keys = s3.objects()
    # The storage keeps every file under its location, "attachments/" (helpdesk/settings.py).
    return f"{sum(1 for name in names if f'attachments/{name}' in keys)}/{len(names)}"


def _jwt_across(webs: list[str]) -> str:
    """A token pair made by one server: the access token and a refresh work on the other."""
    made = requests.post(f"{webs[0]}/api/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]}, timeout=15)
    tokens = made.json()
    me = requests.get(f"{webs[1]}/api/v1/auth/me", headers={"Authorization": f"Bearer {tokens['access']}"}, timeout=15)
    refreshed = requests.post(f"{webs[1]}/api/v1/auth/refresh", json={"refresh": tokens["refresh"]}, timeout=15)
    back = requests.get(
        f"{webs[0]}/api/v1/auth/me", headers={"Authorization": f"Bearer {refreshed.json().get('access')}"}, timeout=15
    )
    ok = me.status_code == back.status_code == 200 and me.json().get("email") == back.json().get("email") == ADMIN[0]
    return "ok" if ok else f"failed({me.status_code},{refreshed.status_code},{back.status_code})"


def _session_across(webs: list[str]) -> str:
    """An admin signs in to the console on one server; the session cookie opens the console on the other."""
    browser = requests.Session()
    form = browser.get(f"{webs[0]}/admin/login/", timeout=15)
    signed_in = browser.post(
        f"{webs[0]}/admin/login/?next=/admin/",
        data={
            "username": ADMIN[0],
            "password": ADMIN[1],
            "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""),
        },
        headers={"Referer": form.url},
        timeout=15,
    )
    console = browser.get(f"{webs[1]}/admin/", timeout=15, allow_redirects=False)
    ok = signed_in.status_code == console.status_code == 200 and "logout-form" in console.text
    return "ok" if ok else f"failed({signed_in.status_code},{console.status_code})"
