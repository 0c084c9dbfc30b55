"""PostgreSQL restarted (``pg_ctl restart -m fast``) under 4 threads creating tickets over the API.

Each create carries an Idempotency-Key and is retried with the same key on a connection error or a
5xx (honouring Retry-After), as a careful client does: nothing acknowledged may be missing, and
nothing may be created twice.
"""

from __future__ import annotations

import threading
import time
import uuid

from faults.stack import Result, Stack, ticket_figures

THREADS = 4


def run(stack: Stack, creates: int = 100, give_up: float = 60.0) -> Result:
    began = time.monotonic()
    product = stack.product
    product.gunicorn(workers=2, threads=THREADS)
    client = product.customer()
    prefix = f"pg-restart-{uuid.uuid4().hex[:6]}-"
    outcomes: dict[str, tuple[int | None, int]] = {}
    done = {"creates": 0}
    lock = threading.Lock()

    def create_many(thread: int) -> None:
        for number in range(thread, creates, THREADS):
            subject = f"{prefix}{number}"
            outcome = client.create_until_answered(subject, str(uuid.uuid4()), time.monotonic() + give_up)
            with lock:
                outcomes[subject] = outcome
                done["creates"] += 1

    threads = [threading.Thread(target=create_many, args=(thread,), daemon=True) for thread in range(THREADS)]
    for thread in threads:
        thread.start()
    while done["creates"] < creates // 3 and any(thread.is_alive() for thread in threads):
        time.sleep(0.02)
    restart_began = time.monotonic()
    stack.postgres.restart()
    restart_seconds = time.monotonic() - restart_began
    for thread in threads:
        thread.join(timeout=give_up + 30)

    figures = ticket_figures(
        {subject: status for subject, (status, _) in outcomes.items()}, product.tickets_by_subject(prefix)
    )
    answers = figures.pop("answers")
    return Result(
        scenario="pg-restart",
        **figures,
        seconds=time.monotonic() - began,
        extra={
            "final_answers": answers,
            "retried": sum(1 for _, attempts in outcomes.values() if attempts > 1),
            "restart_s": round(restart_seconds, 1),
        },
    )
