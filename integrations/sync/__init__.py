"""The sync engine: push our tickets to the desks, pull theirs in, and never echo.

Public API:

- ``push_ticket(connection, ticket) -> RemoteLink``: synchronous, idempotent push (push.py).
- ``pull_changes(connection, ...) -> PullResult | None``: a resumable pull of what changed (pull.py).
- ``pull_remote_ticket(connection, remote_id) -> str``: one remote ticket now (webhooks).
- ``ticket_mark_for_push(ticket)``, ``suppress_push(connection)``: the push outbox (outbox.py).
- ``mapping``: statuses and priorities both ways, pure.
"""
