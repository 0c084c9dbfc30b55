"""The database Django uses, from DATABASE_URL: SQLite for a desk on one machine, PostgreSQL for production.

Read by ``helpdesk/settings.py``; nothing here reads the environment.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

POSTGRESQL = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"


def database_from_url(url: str, *, var_dir: Path, conn_max_age: int = 0, pool_size: int = 0) -> dict[str, object]:
    """Django's DATABASES["default"] for ``url``.

    ``conn_max_age``: seconds a PostgreSQL connection is kept (0 by default: the web runs under ASGI, where
    each request's connection lives in a thread of its own and a kept one would linger behind it).
    ``pool_size``: above 0, a PostgreSQL connection pool of at most that many per process instead
    (Django's, on psycopg_pool): a request borrows an open connection and gives it back when it ends,
    so it no longer pays the 3-4 ms of opening one. Each connection is checked as it is borrowed, so
    one the server dropped (a restart) is replaced instead of failing the request.
    """
    try:
        database = dj_database_url.parse(url, conn_max_age=conn_max_age)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django can use: {exc}") from None
    if database["ENGINE"] == SQLITE:
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at
        # the start of each transaction, so concurrent writers queue on the busy
        # timeout instead of failing with "database is locked" mid-transaction.
        database["CONN_MAX_AGE"] = 0
        database["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        # A file, not memory, so a Celery worker started by a test sees the same data.
        database["TEST"] = {"NAME": str(var_dir / "test.sqlite3")}
    elif database["ENGINE"] != POSTGRESQL:
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://) or SQLite (sqlite:///).")
    elif pool_size:
        if conn_max_age:
            raise ImproperlyConfigured("Set DB_POOL_SIZE or DB_CONN_MAX_AGE, not both: a pooled connection is kept.")
        # Django checks each pooled connection as it is lent (psycopg_pool's check_connection).
        database["CONN_HEALTH_CHECKS"] = True
        database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": pool_size,
            # Seconds a request waits for a free connection before its 503. While PostgreSQL is away that is
            # every request's wait; once it is back the pool reconnects at its next try (1, 2, 4... s apart).
            "timeout": 10,
        }
    return database
