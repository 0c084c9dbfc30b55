"""``python -m compare_site.desk``: the product's benchmark tickets copied into django-helpdesk's tables.

The same tickets, not look-alikes: subjects, descriptions, statuses, priorities, dates, assignees
and replies are read from the product's desk (``--source``, only SELECTs) and written here by
plain INSERTs, so both APIs list the same rows. Statuses and priorities are mapped onto
django-helpdesk's smaller sets; queues stand for categories. Run once: a desk that already holds
the tickets is left as it is. Prints one JSON line: the ticket count and a session cookie of a
superuser for the timed requests.
"""

import argparse
import json
import os
import sys
import uuid

import django
import psycopg

# The product's ten statuses onto django-helpdesk's Open (1), Reopened (2), Resolved (3), Closed (4);
# pending and on hold become Open with on_hold set.
STATUSES = {
    "new": (1, False),
    "open": (1, False),
    "in_progress": (1, False),
    "escalated": (1, False),
    "pending": (1, True),
    "on_hold": (1, True),
    "reopened": (2, False),
    "resolved": (3, False),
    "closed": (4, False),
}
PRIORITIES = {"urgent": 1, "high": 2, "medium": 3, "low": 4}

_TICKETS = """
    SELECT t.id, t.subject, t.description, t.status, t.priority, t.created_at, t.updated_at,
           t.resolution_notes, t.resolution_due_at, requester.email, assignee.email, category.name, category.slug
    FROM tickets_ticket t
    JOIN accounts_user requester ON requester.id = t.requester_id
    LEFT JOIN accounts_user assignee ON assignee.id = t.assignee_id
    LEFT JOIN tickets_category category ON category.id = t.category_id
    WHERE t.number LIKE 'BENCH-%%'
    ORDER BY t.number
    LIMIT %s
"""
_REPLIES = """
    SELECT c.ticket_id, c.body, c.is_internal, c.created_at, author.email, author.role
    FROM tickets_comment c JOIN accounts_user author ON author.id = c.author_id
    WHERE c.ticket_id = ANY(%s)
    ORDER BY c.ticket_id, c.created_at, c.id
"""


def copy_desk(source_url: str, tickets: int) -> int:
    """Copy the first ``tickets`` benchmark tickets of ``source_url`` with their replies; returns the count."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from helpdesk.models import Queue, Ticket

    have = Ticket.objects.count()
    if have >= tickets:
        return have
    if have:
        raise SystemExit(f"The comparison desk holds {have} tickets, not {tickets}: drop it and run again.")
    with psycopg.connect(source_url) as source:
        rows = source.execute(_TICKETS, [tickets]).fetchall()
        replies = source.execute(_REPLIES, [[row[0] for row in rows]]).fetchall()
    queues = {}
    for row in rows:
        name, slug = row[11] or "General", row[12] or "general"
        if slug not in queues:
            queues[slug] = Queue.objects.get_or_create(slug=slug[:50], defaults={"title": name})[0].pk
    emails = {row[10] for row in rows if row[10]} | {reply[4] for reply in replies if reply[5] != "customer"}
    User.objects.bulk_create(
        [User(username=email[:150], email=email, is_staff=True) for email in sorted(emails)], ignore_conflicts=True
    )
    users = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
    ticket_rows = []
    for row in rows:
        status, on_hold = STATUSES[row[3]]
        ticket_rows.append(
            (row[1][:200], queues[row[12] or "general"], row[5], row[6], row[9], users.get(row[10]), status,
             on_hold, row[2], row[7] or None, PRIORITIES[row[4]], row[8], str(uuid.uuid4()))
        )  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        ids = {}
        for source_id, values in zip((row[0] for row in rows), ticket_rows, strict=True):
            cursor.execute(
                "INSERT INTO helpdesk_ticket (title, queue_id, created, modified, submitter_email, assigned_to_id,"
                " status, on_hold, description, resolution, priority, due_date, secret_key)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                values,
            )
            ids[source_id] = cursor.fetchone()[0]
        cursor.executemany(
            "INSERT INTO helpdesk_followup (ticket_id, date, title, comment, public, user_id)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [(ids[reply[0]], reply[3], "Comment", reply[1], not reply[2], users.get(reply[4])) for reply in replies],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Ticket.objects.count()


def session_cookie() -> str:
    """A signed-in superuser's session, made as Django's test client makes one."""
    from django.contrib.auth.models import User
    from django.test import Client

    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"email": "bench-admin@example.test", "is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(admin)
    return client.cookies["sessionid"].value


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m compare_site.desk", description=__doc__)
    parser.add_argument("--source", required=True, help="the product's desk (PostgreSQL URL), read only")
    parser.add_argument("--tickets", type=int, default=10_000)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compare_site.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    count = copy_desk(options.source, options.tickets)
    print(json.dumps({"tickets": count, "session": session_cookie()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
