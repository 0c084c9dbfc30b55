"""Redis stopped during creates: what the API acknowledged is in the database, and every ticket's
confirmation email reaches the SMTP sink once after Redis returns (through the outbox relay)."""

from __future__ import annotations

import time
import uuid

from faults.mail import count_mail, wait_for_mail
from faults.stack import Result, Stack, ticket_figures


def run(stack: Stack, creates: int = 60, outage: float = 8.0, mail_wait: float = 150.0) -> Result:
    began = time.monotonic()
    product = stack.product
    product.gunicorn()
    product.worker()
    product.beat()
    client = product.customer()
    prefix = f"redis-down-{uuid.uuid4().hex[:6]}-"
    answers: dict[str, int | None] = {}
    third = max(1, creates // 3)
    down_at = back_at = began
    for number in range(creates):
        if number == third:
            stack.redis.stop()
            down_at = time.monotonic()
        if number == 2 * third:
            time.sleep(max(0.0, down_at + outage - time.monotonic()))
            stack.redis.start()
            back_at = time.monotonic()
        subject = f"{prefix}{number}"
        answers[subject] = client.create(subject)

    figures = ticket_figures(answers, product.tickets_by_subject(prefix))
    statuses = figures.pop("answers")
    expected = set(product.confirmation_ids(prefix))
    wait_for_mail(stack.smtp, expected, max(0.0, back_at + mail_wait - time.monotonic()))
    mail = count_mail(stack.smtp, expected, since=back_at)
    return Result(
        scenario="redis-down",
        **figures,
        late=mail["late"],
        seconds=time.monotonic() - began,
        extra={
            "answers": statuses,
            "outage_s": round(back_at - down_at, 1),
            "emails_due": len(expected),
            "emails_delivered": mail["delivered"],
            "emails_lost": mail["lost"],
            "emails_duplicated": mail["duplicated"],
        },
    )
