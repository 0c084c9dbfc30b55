"""A database that cannot be reached answers 503 with Retry-After, logged once as a warning, never a 500."""

import logging
import sqlite3

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from helpdesk.api.errors import database_down as database_is_down


def database_down(error):
    def wrapper(execute, sql, params, many, context):
        raise error

    return connection.execute_wrapper(wrapper)


def assert_logged_once_as_a_warning(caplog, path):
    mine = [r for r in caplog.records if r.name == "helpdesk.requests" and f"path={path} " in r.getMessage()]
    assert len(mine) == 1 and mine[0].levelno == logging.WARNING
    assert "SERVICE_UNAVAILABLE" in mine[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [
        OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused'),
        OperationalError("database is locked"),
        InterfaceError("connection already closed"),
    ],
    ids=["refused", "sqlite-locked", "closed"],
)
def test_an_api_request_answers_503_in_the_error_shape(api, customer, caplog, error):
    client = api(customer)
    caplog.set_level(logging.INFO)
    with database_down(error):
        response = client.post("/api/v1/tickets", {"subject": "x", "category": "general"}, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert (body["status"], body["code"], body["errors"]) == ("error", "SERVICE_UNAVAILABLE", {})
    assert "Retry" in body["message"] and "5432" not in body["message"]
    assert_logged_once_as_a_warning(caplog, "/api/v1/tickets")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/portal/", "/admin/"])
def test_a_page_answers_a_plain_503_page(customer, admin_user, caplog, path):
    client = Client(raise_request_exception=False)  # as a real server: the handler answers
    client.force_login(admin_user if path == "/admin/" else customer)
    caplog.set_level(logging.INFO)
    with database_down(OperationalError("server closed the connection unexpectedly")):
        response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "briefly unavailable" in response.content.decode()
    assert_logged_once_as_a_warning(caplog, path)


def _wrapped(error: OperationalError, cause: BaseException) -> OperationalError:
    error.__cause__ = cause  # as Django wraps the driver's error
    return error


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [
        _wrapped(OperationalError("no such table: tickets_ticket"), sqlite3.OperationalError("no such table")),
        _wrapped(OperationalError("canceling statement"), psycopg.errors.QueryCanceled("canceling statement")),
    ],
    ids=["sqlite-missing-table", "postgres-statement-timeout"],
)
def test_a_database_error_a_retry_cannot_cure_stays_a_500_with_its_traceback(api, customer, caplog, error):
    client = api(customer)
    client.raise_request_exception = False  # as a real server: the handler answers
    with database_down(error):
        response = client.post("/api/v1/tickets", {"subject": "x", "category": "general"}, format="json")
    assert response.status_code == 500 and "Retry-After" not in response
    assert response.json()["code"] == "INTERNAL_ERROR"
    assert [r for r in caplog.records if r.exc_info], "the traceback is logged"


def test_what_counts_as_the_database_being_away():
    assert database_is_down(_wrapped(OperationalError("x"), sqlite3.OperationalError("database is locked")))
    assert database_is_down(psycopg.errors.AdminShutdown("terminating connection"))
    assert database_is_down(psycopg.OperationalError("connection failed"))  # no server answered: no SQLSTATE
    assert not database_is_down(_wrapped(OperationalError("x"), sqlite3.OperationalError("too many SQL variables")))
    assert not database_is_down(ValueError("not a database error"))
