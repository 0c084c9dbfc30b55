"""Every API error has the one shape of PRODUCT.md, and every request is logged once with its id."""

import logging

import pytest

SHAPE = {"status", "code", "message", "errors"}


def assert_shape(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert SHAPE <= set(body)
    assert (body["status"], body["code"]) == ("error", code)
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    return body


@pytest.mark.django_db
class TestErrorShape:
    def test_unauthenticated_and_bad_token(self, api):
        assert_shape(api().get("/api/v1/tickets"), 401, "UNAUTHORIZED")
        client = api()
        client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
        assert_shape(client.get("/api/v1/tickets"), 401, "UNAUTHORIZED")

    def test_unknown_urls_under_api(self, api, agent):
        assert_shape(api(agent).get("/api/v1/nothing-here"), 404, "NOT_FOUND")
        assert_shape(api().get("/api/v2/tickets"), 404, "NOT_FOUND")
        assert_shape(api(agent).get("/api/v1/tickets/999999"), 404, "NOT_FOUND")
        assert_shape(api(agent).get("/api/v1/tickets/abc"), 404, "NOT_FOUND")

    def test_method_not_allowed(self, api, agent):
        assert_shape(api(agent).delete("/api/v1/tickets"), 405, "METHOD_NOT_ALLOWED")

    def test_unsupported_media_type(self, api, agent):
        response = api(agent).generic("POST", "/api/v1/tickets", "subject=x", content_type="text/plain")
        assert_shape(response, 415, "UNSUPPORTED_MEDIA_TYPE")

    def test_malformed_json(self, api, agent):
        response = api(agent).generic("POST", "/api/v1/tickets", "{not json", content_type="application/json")
        assert_shape(response, 400, "VALIDATION_ERROR")

    def test_validation_errors_name_fields_and_message_is_readable(self, api, customer):
        body = assert_shape(
            api(customer).post("/api/v1/tickets", {"subject": ""}, format="json"), 400, "VALIDATION_ERROR"
        )
        assert "subject" in body["errors"]
        assert body["message"].startswith("subject:")

    @pytest.mark.urls("helpdesk.tests.urls_failing")
    def test_server_error_has_the_shape_and_leaks_nothing(self, api, caplog):
        with caplog.at_level(logging.ERROR, logger="helpdesk.api"):
            response = api().get("/api/v1/explode")
        body = assert_shape(response, 500, "INTERNAL_ERROR")
        assert "hunter2" not in response.content.decode()
        assert "request id" in body["message"]
        assert any("Unhandled error" in record.getMessage() for record in caplog.records)


@pytest.mark.django_db
class TestRequestLog:
    def test_request_id_is_returned_and_logged_once(self, api, agent, caplog):
        with caplog.at_level(logging.INFO, logger="helpdesk.requests"):
            response = api(agent).get("/api/v1/tickets", HTTP_X_REQUEST_ID="abc-123")
        assert response["X-Request-ID"] == "abc-123"
        lines = [r.getMessage() for r in caplog.records if r.name == "helpdesk.requests"]
        assert len(lines) == 1
        line = lines[0]
        for part in (
            "request_id=abc-123",
            f"user={agent.pk}",
            "method=GET",
            "path=/api/v1/tickets",
            "status=200",
            "duration_ms=",
        ):
            assert part in line

    def test_unsafe_request_ids_are_replaced_and_failures_name_their_reason(self, api, caplog):
        with caplog.at_level(logging.INFO, logger="helpdesk.requests"):
            response = api().get("/api/v1/tickets", HTTP_X_REQUEST_ID="bad id\nwith newline")
        assert response["X-Request-ID"] != "bad id\nwith newline"
        assert len(response["X-Request-ID"]) == 32
        line = next(r.getMessage() for r in caplog.records if r.name == "helpdesk.requests")
        assert "status=401" in line and "reason='UNAUTHORIZED:" in line

    def test_tokens_never_reach_the_log(self, api, agent, caplog):
        with caplog.at_level(logging.DEBUG):
            tokens = (
                api()
                .post(
                    "/api/v1/auth/login",
                    {"email": agent.email, "password": "correct-horse-battery-staple"},
                    format="json",
                )
                .json()
            )
            api().post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
        logged = caplog.text
        assert tokens["access"] not in logged and tokens["refresh"] not in logged
        assert "correct-horse" not in logged


def test_schema_is_valid_openapi_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


@pytest.mark.django_db
def test_schema_documents_every_endpoint_with_its_errors(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/{id}/assign",
        "/api/v1/tickets/{id}/history",
        "/api/v1/comments/{id}",
        "/api/v1/attachments/{id}",
        "/api/v1/auth/login",
        "/api/v1/agents/{id}/tickets",
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/organizations",
        "/api/v1/sla/policies",
    ):
        assert path in paths, path
    assert schema["components"]["schemas"]["Error"]["required"] == ["status", "code", "message", "errors"]
    assert "SERVICE_UNAVAILABLE" in schema["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
    for path, item in paths.items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                for status in ("401", "503"):  # any endpoint: bad credentials, or the database away
                    error = operation["responses"][status]["content"]["application/json"]["schema"]
                    assert error == {"$ref": "#/components/schemas/Error"}, (path, method, status)
    assert "409" in paths["/api/v1/tickets/{id}/status"]["patch"]["responses"]
    assert "415" in paths["/api/v1/tickets/{id}/attachments"]["post"]["responses"]
