"""Finding a commit hook the current transaction already registered, so one transaction has one of each.

Writers that gather a transaction's work into one object run once it commits (webhooks' deliveries,
automations' ticket changes) look for their pending hook here before registering a new one.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import transaction

Hook = TypeVar("Hook")


def pending_hook(kind: type[Hook]) -> Hook | None:
    """The hook of type ``kind`` that the transaction in progress registered and has not run yet, if any
    (a hook object sets ``ran`` when called: a test's captured hooks stay listed after running)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _savepoints, hook, _robust in connection.run_on_commit:
            if isinstance(hook, kind) and not getattr(hook, "ran", False):
                return hook
    return None
