"""Hostile bodies found by fuzzing answer 400 in the one error shape, never a 500 or a logged traceback."""

import base64
import logging

import pytest

from helpdesk import safejson
from helpdesk.tests.test_api_errors import assert_shape

DEEP = 100_000


def nested_array(depth):
    return "[" * depth + "]" * depth


def nested_object(depth):
    return '{"a":' * depth + "1" + "}" * depth


def test_safejson_refuses_deep_nesting_as_a_value_error():
    for text in (nested_array(DEEP), nested_object(DEEP), nested_array(safejson.MAX_DEPTH + 1)):
        with pytest.raises(ValueError, match="nested deeper than"):
            safejson.loads(text)
    assert safejson.loads(nested_array(safejson.MAX_DEPTH)) == eval(nested_array(safejson.MAX_DEPTH))  # noqa: S307
    assert safejson.loads('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}


@pytest.mark.django_db
@pytest.mark.parametrize("body", [nested_array(DEEP), nested_object(DEEP), nested_array(safejson.MAX_DEPTH + 1)])
def test_deeply_nested_json_is_a_validation_error_without_a_token(api, body, caplog):
    with caplog.at_level(logging.WARNING):
        response = api().generic("POST", "/api/v1/auth/login", body, content_type="application/json")
    body = assert_shape(response, 400, "VALIDATION_ERROR")
    assert "nested deeper than" in body["message"]
    assert not [record for record in caplog.records if record.exc_info], "no traceback is logged"


@pytest.mark.django_db
def test_deeply_nested_json_is_refused_on_authenticated_writes(api, customer):
    response = api(customer).generic("POST", "/api/v1/tickets", nested_object(DEEP), content_type="application/json")
    assert_shape(response, 400, "VALIDATION_ERROR")
    response = api(customer).generic("PATCH", "/api/v1/auth/me", nested_array(DEEP), content_type="application/json")
    assert_shape(response, 400, "VALIDATION_ERROR")
    customer.refresh_from_db()
    assert customer.full_name != ""


@pytest.mark.django_db
def test_deeply_nested_cursor_is_refused(api, agent):
    token = base64.urlsafe_b64encode(nested_array(2_000).encode()).decode().rstrip("=")
    body = assert_shape(api(agent).get(f"/api/v1/tickets?cursor={token}"), 400, "VALIDATION_ERROR")
    assert "cursor" in body["errors"]


@pytest.mark.django_db
def test_too_many_form_fields_is_a_validation_error(api, customer, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    form = "&".join(f"f{i}=x" for i in range(20))
    response = api(customer).generic("POST", "/api/v1/tickets", form, content_type="application/x-www-form-urlencoded")
    assert_shape(response, 400, "VALIDATION_ERROR")


@pytest.mark.django_db
def test_deeply_nested_webhook_delivery_is_refused_as_not_json(client):
    response = client.post("/integrations/zoho/webhook", nested_array(DEEP), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"] == "The delivery is not JSON."


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["tag", "category", "status"])
def test_a_nul_character_in_a_list_filter_is_a_validation_error(api, agent, field):
    # PostgreSQL cannot compare text holding NUL: it was a 500 there (and a silent empty list on SQLite).
    body = assert_shape(api(agent).get(f"/api/v1/tickets?{field}=a%00b"), 400, "VALIDATION_ERROR")
    assert field in body["errors"]


@pytest.mark.django_db
def test_an_undeclared_method_is_405_before_any_parameter_is_checked(api, agent):
    for path in ("/api/v1/integrations/zendesk/health?connection=0", "/api/v1/tickets?format=csv"):
        response = api(agent).generic("TRACE", path)
        assert_shape(response, 405, "METHOD_NOT_ALLOWED")
    assert api(agent).get("/api/v1/tickets?format=csv")["Content-Type"].startswith("text/csv")
