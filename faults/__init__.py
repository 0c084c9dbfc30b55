"""Fault runs against real processes on 127.0.0.1 (``make fault``; RELIABILITY.md lists the figures).

Not part of the product: a harness that starts its own PostgreSQL, Redis and SMTP sink, the
product's gunicorn, Celery worker and beat on them, breaks something, and counts what survived.
"""
