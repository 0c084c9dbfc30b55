"""A database that cannot be reached answers 503 with Retry-After, logged once as a warning, never a 500."""

import logging

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client


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
