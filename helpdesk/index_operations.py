"""Index migrations that build and drop indexes without locking writes on PostgreSQL, and still run elsewhere.

Django's ``AddIndexConcurrently`` and ``RemoveIndexConcurrently`` pass ``concurrently=True``
to the schema editor, which only PostgreSQL's accepts: on SQLite (the embedded default) they
fail. These do the concurrent build on PostgreSQL, where a plain ``CREATE INDEX`` would block
every write to a big table for as long as the build takes, and the plain operation elsewhere.
A migration using them must say ``atomic = False`` (PostgreSQL cannot build concurrently in a
transaction).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations.operations import AddIndex, RemoveIndex
from django.db.migrations.operations.base import Operation


class _ConcurrentlyOnPostgreSQL:
    """Runs the concurrent operation (the next class in the MRO) on PostgreSQL, ``plain`` elsewhere."""

    plain: type[Operation]

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        concurrent = schema_editor.connection.vendor == "postgresql"
        step = super().database_forwards if concurrent else partial(self.plain.database_forwards, self)
        step(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        concurrent = schema_editor.connection.vendor == "postgresql"
        step = super().database_backwards if concurrent else partial(self.plain.database_backwards, self)
        step(app_label, schema_editor, from_state, to_state)


class AddIndexConcurrentlyWhereSupported(_ConcurrentlyOnPostgreSQL, AddIndexConcurrently):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL, ``CREATE INDEX`` elsewhere."""

    plain = AddIndex


class RemoveIndexConcurrentlyWhereSupported(_ConcurrentlyOnPostgreSQL, RemoveIndexConcurrently):
    """``DROP INDEX CONCURRENTLY`` on PostgreSQL, ``DROP INDEX`` elsewhere."""

    plain = RemoveIndex
