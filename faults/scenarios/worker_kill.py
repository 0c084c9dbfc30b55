"""A worker SIGKILLed in the middle of a batch of sends: each email arrives once, none twice, none late.

The batch (one confirmation email per ticket) is queued while no worker runs; a worker starts on
it and is killed with everything below it (an OOM kill, a crashed container) once part of it has
arrived; a new worker and beat (whose relay re-sends what waits in the outbox) take over.
"""

from __future__ import annotations

import time
import uuid

from faults import procs
from faults.mail import count_mail, wait_for_mail
from faults.stack import Result, Stack, histogram


def run(stack: Stack, emails: int = 200, mail_wait: float = 150.0) -> Result:
    began = time.monotonic()
    product = stack.product
    product.gunicorn()
    client = product.customer()
    prefix = f"worker-kill-{uuid.uuid4().hex[:6]}-"
    answers = [client.create(f"{prefix}{number}") for number in range(emails)]
    expected = set(product.confirmation_ids(prefix))

    worker = product.worker("doomed")

    def delivered() -> int:
        return len({message_id for message_id, _ in stack.smtp.snapshot()} & expected)

    procs.wait_until(lambda: delivered() >= len(expected) // 3, 120, every=0.05)
    before_kill = delivered()
    killed = procs.kill(worker)
    killed_at = time.monotonic()
    product.worker("successor")
    product.beat()
    wait_for_mail(stack.smtp, expected, max(0.0, killed_at + mail_wait - time.monotonic()))
    mail = count_mail(stack.smtp, expected, since=killed_at)
    states = dict(
        stack.postgres.query(
            "SELECT n.email_status, count(*) FROM tickets_notification n JOIN tickets_ticket t ON t.id = n.ticket_id"
            " WHERE t.subject LIKE %s GROUP BY n.email_status",
            prefix + "%",
        )
    )
    return Result(
        scenario="worker-kill",
        acknowledged=len(expected),
        found=mail["delivered"],
        lost=mail["lost"],
        duplicated=mail["duplicated"],
        late=mail["late"],
        seconds=time.monotonic() - began,
        extra={
            "creates": histogram(answers),
            "delivered_before_kill": before_kill,
            "killed_pids": len(killed),
            "outbox": ",".join(f"{state}:{count}" for state, count in sorted(states.items())),
        },
    )
