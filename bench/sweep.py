"""``python -m bench sweep``: a backlog of newly breached tickets, worked off by concurrent SLA sweeps, timed.

Target (issue 17): 100,000 tickets whose resolution clock just went past due are recorded, and
their notifications queued, within 2 minutes, each exactly once although two sweeps run at once.

On a desk of its own (``helpdesk_sweep_1m``, made by ``DATABASE_URL=.../helpdesk_sweep python -m bench
run --sizes 1000000 --only zzz``; never a desk others time pages on), each run:

1. settles the desk: every clock that is not part of the backlog is marked as already recorded (the
   generator leaves every running ticket's old breach unrecorded), and each bench team gets a lead,
   so a breach tells two people, as it would on a real desk;
2. restores the backlog tickets (the first ``--backlog`` running tickets whose first response is
   done, kept in the table ``bench_sweep_backlog`` the first time) to their saved rows, deletes every
   event and notification made since the first run (ids above those in ``bench_sweep_mark``),
   empties the task queue in Redis database ``--redis-db`` (where the emails are published) and
   puts the backlog's resolution due time one minute in the past, then VACUUM ANALYZE;
3. starts ``--sweeps`` child processes that, at the same instant, run the Celery task's body
   (``tickets.tasks.sla_sweep``) run after run until a run records nothing;
4. counts, by SQL: breach events per backlog ticket (each must have exactly one), notifications per
   event and recipient (each exactly once, and as many as the assignees and leads to tell) and the
   email tasks in the queue (one per notification waiting for its email).

So every run starts from the same state and can be repeated. ``--actions`` turns on the policies'
breach actions (raise the priority, escalate) for the run: the heavier path.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

from bench.child import ROOT, child_env, desk_url, result_of, setup_django, spawn

TARGET_SECONDS = 120.0
SWEEP_BASE_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_sweep"
RUNNING = ("new", "open", "in_progress", "escalated", "reopened")  # tickets/workflow.py SLA_RUNNING


def add_commands(commands: argparse._SubParsersAction) -> None:
    sweep = commands.add_parser("sweep", help="time concurrent SLA sweeps over a backlog of breaches")
    sweep.add_argument("--url", default="", help="the sweep desk's DATABASE_URL (default helpdesk_sweep_1m)")
    sweep.add_argument("--backlog", type=int, default=100_000, help="tickets put just past due")
    sweep.add_argument("--sweeps", type=int, default=2, help="sweeps running at once, each a process")
    sweep.add_argument("--actions", action="store_true", help="policies raise the priority and escalate")
    sweep.add_argument("--redis-db", type=int, default=12, help="the Redis database the emails are queued in")
    sweep.add_argument("--max-seconds", type=float, default=900, help="a sweep process gives up after this")
    sweep.add_argument("--reset-only", action="store_true", help="put the backlog back, run no sweep")
    child = commands.add_parser("sweep-child", help="sweep runs until one records nothing; prints JSON")
    child.add_argument("--start-at", type=float, required=True)
    child.add_argument("--max-seconds", type=float, default=900)


def main(options: argparse.Namespace) -> int:
    import psycopg

    url = options.url or desk_url(SWEEP_BASE_URL, 1_000_000)
    redis_url = f"redis://127.0.0.1:6379/{options.redis_db}"
    if urlsplit(url).path.lstrip("/").startswith("helpdesk_bench"):
        print("The sweep benchmark changes its desk: give it one of its own, not helpdesk_bench_*.")
        return 2
    # The desk at the code's schema (the sweep's indexes come with migrations).
    migrate = [sys.executable, "manage.py", "migrate", "--verbosity", "0", "--skip-checks"]
    subprocess.run(migrate, cwd=ROOT, env=child_env(url), check=True)  # noqa: S603
    with psycopg.connect(urlunsplit(urlsplit(url)._replace(scheme="postgresql")), autocommit=True) as db:
        began = time.monotonic()
        policies = reset(db, options.backlog, actions=options.actions, redis_url=redis_url)
        print(f"reset {options.backlog:,} tickets to one minute past due in {time.monotonic() - began:.1f} s",
              flush=True)  # fmt: skip
        if options.reset_only:
            return 0
        try:
            runs = _sweep_at_once(url, redis_url, options)
        finally:
            _set_policies(db, policies)
        figures = verify(db, redis_url)
    return report(runs, figures, options.backlog)


def reset(db, backlog: int, *, actions: bool, redis_url: str, queue: str = "celery") -> list[tuple]:
    """The desk as before any sweep, the backlog just past due; returns the policies' breach settings."""
    import redis

    with db.transaction():
        db.execute(_MARK_TABLE)
        db.execute("INSERT INTO bench_sweep_mark SELECT (SELECT coalesce(max(id), 0) FROM tickets_ticketevent),"
                   " (SELECT coalesce(max(id), 0) FROM tickets_notification) WHERE NOT EXISTS"
                   " (SELECT 1 FROM bench_sweep_mark)")  # fmt: skip
        db.execute("DELETE FROM tickets_notification WHERE id > (SELECT notification_id FROM bench_sweep_mark)")
        db.execute("DELETE FROM tickets_ticketevent WHERE id > (SELECT event_id FROM bench_sweep_mark)")
        saved = db.execute("SELECT to_regclass('bench_sweep_backlog') IS NOT NULL").fetchone()[0]
        if saved:
            _restore(db)
            if db.execute("SELECT count(*) FROM bench_sweep_backlog").fetchone()[0] != backlog:
                db.execute("DROP TABLE bench_sweep_backlog")
                saved = False
        if not saved:
            db.execute(_BACKLOG_TABLE, [list(RUNNING), backlog])
        db.execute(_LEADS)
        db.execute(_SETTLE)
        db.execute(
            "UPDATE tickets_ticket t SET resolution_due_at = now() - interval '1 minute', resolution_breached = false,"
            " resolution_at_risk = true FROM bench_sweep_backlog b WHERE t.id = b.id"
        )
        policies = db.execute(
            "SELECT id, breach_raise_priority, breach_escalate FROM tickets_slapolicy ORDER BY id"
        ).fetchall()
        if actions:
            db.execute("UPDATE tickets_slapolicy SET breach_raise_priority = true, breach_escalate = true")
    redis.Redis.from_url(redis_url).delete(queue)
    db.execute("VACUUM ANALYZE tickets_ticket")
    db.execute("VACUUM ANALYZE tickets_ticketevent")
    db.execute("VACUUM ANALYZE tickets_notification")
    return policies


def _restore(db) -> None:
    """Every backlog ticket's stored columns back as they were saved (generated ones follow)."""
    columns = [
        name
        for (name,) in db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'tickets_ticket'"
            " AND is_generated = 'NEVER' AND column_name <> 'id' ORDER BY ordinal_position"
        )
    ]
    assignments = ", ".join(f'"{name}" = b."{name}"' for name in columns)
    db.execute(f"UPDATE tickets_ticket t SET {assignments} FROM bench_sweep_backlog b WHERE t.id = b.id")  # noqa: S608


def _set_policies(db, policies: list[tuple]) -> None:
    for pk, raise_priority, escalate in policies:
        db.execute(
            "UPDATE tickets_slapolicy SET breach_raise_priority = %s, breach_escalate = %s WHERE id = %s",
            [raise_priority, escalate, pk],
        )


_MARK_TABLE = "CREATE TABLE IF NOT EXISTS bench_sweep_mark (event_id bigint NOT NULL, notification_id bigint NOT NULL)"
# Running resolution clocks, first response already done: one breach per ticket, the resolution's.
_BACKLOG_TABLE = """
    CREATE TABLE bench_sweep_backlog AS SELECT * FROM tickets_ticket
    WHERE status = ANY(%s) AND first_response_stopped_at IS NOT NULL AND sla_policy_id IS NOT NULL
      AND sla_resolution_minutes > 0 AND resolution_due_at IS NOT NULL AND resolved_at IS NULL AND closed_at IS NULL
    ORDER BY id LIMIT %s
"""
_LEADS = """
    UPDATE accounts_team team SET lead_id = (
        SELECT user_id FROM accounts_team_members m WHERE m.team_id = team.id ORDER BY user_id LIMIT 1)
    WHERE lead_id IS NULL AND slug LIKE 'bench-team-%%'
"""
# Every clock outside the backlog counts as recorded, at risk and breached: the generator leaves them unmarked.
_SETTLE = """
    UPDATE tickets_ticket SET first_response_breached = true, first_response_at_risk = true,
        resolution_breached = true, resolution_at_risk = true
    WHERE NOT (first_response_breached AND first_response_at_risk AND resolution_breached AND resolution_at_risk)
      AND id NOT IN (SELECT id FROM bench_sweep_backlog)
"""


def _sweep_at_once(url: str, redis_url: str, options: argparse.Namespace) -> list[dict]:
    start_at = time.time() + 8  # every child has set Django up by then
    env = child_env(url, REDIS_URL=redis_url, DB_CONN_MAX_AGE="0")
    arguments = ["sweep-child", "--start-at", str(start_at), "--max-seconds", str(options.max_seconds)]
    children = [spawn(arguments, env) for _ in range(options.sweeps)]
    results = [result_of(child) for child in children]
    for result in results:
        for run in result["runs"]:
            run["start"] -= start_at
            run["end"] -= start_at
    return results


def child(options: argparse.Namespace) -> int:
    """Sweep runs, back to back from ``--start-at``, until one records nothing (or the time is up)."""
    setup_django()
    from tickets.tasks import sla_sweep

    time.sleep(max(0.0, options.start_at - time.time()))
    runs = []
    while True:
        began = time.time()
        counts = sla_sweep()
        runs.append({"start": began, "end": time.time(), **counts})
        if not any(counts.values()) or time.time() - options.start_at > options.max_seconds:
            break
    print(json.dumps({"pid": os.getpid(), "runs": runs}))
    return 0


def verify(db, redis_url: str, queue: str = "celery") -> dict[str, int]:
    """What the sweeps left: breach events per backlog ticket, notifications per event and recipient, the queue."""
    import redis

    per_ticket = dict(
        db.execute(
            "SELECT coalesce(n, 0), count(*) FROM bench_sweep_backlog b LEFT JOIN (SELECT ticket_id, count(*) n"
            " FROM tickets_ticketevent WHERE kind = 'sla_breached' AND id > (SELECT event_id FROM bench_sweep_mark)"
            " GROUP BY ticket_id) e ON e.ticket_id = b.id GROUP BY 1"
        ).fetchall()
    )
    other = db.execute(
        "SELECT count(*) FROM tickets_ticketevent WHERE kind = 'sla_breached'"
        " AND id > (SELECT event_id FROM bench_sweep_mark) AND ticket_id NOT IN (SELECT id FROM bench_sweep_backlog)"
    ).fetchone()[0]
    notifications, pairs, pending = db.execute(
        "SELECT count(*), count(DISTINCT (event_id, recipient_id)), count(*) FILTER (WHERE email_status = 'pending')"
        " FROM tickets_notification WHERE id > (SELECT notification_id FROM bench_sweep_mark)"
    ).fetchone()
    # Who must hear of each breach: the assignee and, when the policy says so, the team's lead (once each).
    expected = db.execute(
        "SELECT count(*) FROM (SELECT DISTINCT t.id, u.id FROM tickets_ticket t"
        " JOIN bench_sweep_backlog b ON b.id = t.id JOIN tickets_slapolicy p ON p.id = t.sla_policy_id"
        " LEFT JOIN accounts_team team ON team.id = t.team_id"
        " JOIN accounts_user u ON u.id = t.assignee_id OR (p.breach_notify_lead AND u.id = team.lead_id)"
        " WHERE u.is_active) who"
    ).fetchone()[0]
    queued = _queued_emails(redis.Redis.from_url(redis_url), queue)
    pending_ids = {pk for (pk,) in db.execute(
        "SELECT id FROM tickets_notification WHERE email_status = 'pending'"
        " AND id > (SELECT notification_id FROM bench_sweep_mark)"
    )}  # fmt: skip
    return {
        "tickets_with_one_breach": per_ticket.get(1, 0),
        "tickets_with_none": per_ticket.get(0, 0),
        "tickets_with_more": sum(count for n, count in per_ticket.items() if n > 1),
        "breaches_elsewhere": other,
        "notifications": notifications,
        "notification_pairs": pairs,
        "notifications_expected": expected,
        "emails_pending": pending,
        "emails_queued": sum(queued.values()),
        "emails_queued_once": sum(1 for pk in pending_ids if queued.get(pk) == 1),
        "queue_messages": queued.total_messages,  # type: ignore[attr-defined]
    }


def _queued_emails(client, queue: str) -> Counter:
    """How often each notification id is in the queue: a delivery task's own, or in a batch to fan out."""
    ids: Counter = Counter()
    messages = client.lrange(queue, 0, -1)
    for raw in messages:
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        task = message["headers"]["task"]
        if task == "tickets.tasks.deliver_notification_email":
            ids[args[0]] += 1
        elif task == "tickets.tasks.enqueue_notification_emails":
            ids.update(args[0])
    ids.total_messages = len(messages)  # type: ignore[attr-defined]
    return ids


def report(results: list[dict], figures: dict[str, int], backlog: int) -> int:
    runs = [run for result in results for run in result["runs"]]
    working = [run for run in runs if run["breached"] or run["at_risk"]]
    done = max((run["end"] for run in working), default=0.0)
    longest = max((run["end"] - run["start"] for run in runs), default=0.0)
    for number, result in enumerate(results, 1):
        line = ", ".join(f"{r['breached']:,} in {r['end'] - r['start']:.1f} s" for r in result["runs"])
        print(f"sweep {number}: {len(result['runs'])} runs: {line}")
    print(f"last breach recorded after {done:.1f} s (target {TARGET_SECONDS:.0f} s); longest run {longest:.1f} s")
    print(" ".join(f"{name}={value:,}" for name, value in figures.items()))
    exact = (
        figures["tickets_with_one_breach"] == backlog
        and figures["tickets_with_none"] == figures["tickets_with_more"] == figures["breaches_elsewhere"] == 0
        and figures["notifications"] == figures["notification_pairs"] == figures["notifications_expected"]
        and figures["emails_queued"] == figures["emails_queued_once"] == figures["emails_pending"]
    )
    # Stopped by --max-seconds before the end: what was recorded was recorded once, the rest not yet.
    unfinished = (
        not exact
        and figures["tickets_with_none"] > 0
        and figures["tickets_with_more"] == figures["breaches_elsewhere"] == 0
        and figures["notifications"] == figures["notification_pairs"]
        and figures["emails_queued"] == figures["emails_queued_once"] == figures["emails_pending"]
    )
    recorded = figures["tickets_with_one_breach"]
    verdict = "ok" if exact and done <= TARGET_SECONDS else ("SLOW" if exact or unfinished else "WRONG")
    once = "exactly once" if exact else ("once each, the rest not yet" if unfinished else "NOT exactly once")
    print(
        f"{verdict}: {recorded:,} of {backlog:,} breaches recorded {once} in {done:.1f} s "
        f"({recorded / max(done, 1e-9):,.0f} a second)"
    )
    return 0 if verdict == "ok" else 1
