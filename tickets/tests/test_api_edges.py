"""Ticket-side endpoints on the inputs the fuzzer found: 400s for bad input, never a 500."""

import pytest

from tickets.models import SLAPolicy

GOLD = {
    "name": "Gold",
    "position": 1,
    "targets": [{"priority": "urgent", "first_response_minutes": 15, "resolution_minutes": 120}],
}


@pytest.mark.django_db
def test_options_on_a_collection_level_action_describes_it(api, customer):
    response = api(customer).options("/api/v1/notifications/preferences")
    assert response.status_code == 200
    assert response.json()["name"] == "Preferences"
    assert "application/json" in response.json()["parses"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"at_risk_percent": 0}, "at_risk_percent"),
        ({"at_risk_percent": 101}, "at_risk_percent"),
        ({"targets": [{"priority": "high", "first_response_minutes": 0, "resolution_minutes": 60}]}, "targets"),
        ({"targets": [{"priority": "high", "first_response_minutes": 60, "resolution_minutes": 0}]}, "targets"),
    ],
)
def test_sla_policy_values_the_database_refuses_are_validation_errors(api, admin_user, change, field):
    response = api(admin_user).post("/api/v1/sla/policies", {**GOLD, **change}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR")
    assert any(name.startswith(field) for name in response.json()["errors"]), response.json()
    assert not SLAPolicy.objects.filter(name="Gold").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/agents/{agent}/tickets"])
def test_an_instant_with_an_offset_postgresql_refuses_is_read_in_utc(api, admin_user, agent, customer, path):
    """The fuzzer's 500: ``created_before=0326-08-20T16:33:25+20:10`` (PostgreSQL allows +/-15:59)."""
    from tickets import services
    from tickets.tests.factories import category

    services.ticket_create(actor=customer, subject="Made today", category=category())
    url = path.format(agent=agent.pk)
    client = api(admin_user)

    long_ago = client.get(url, {"created_before": "0326-08-20T16:33:25+20:10"})
    far_ahead = client.get(url, {"created_before": "9000-01-01T00:00:00+20:10"})

    assert (long_ago.status_code, long_ago.json()["results"]) == (200, [])
    assert far_ahead.status_code == 200
    if "agents" not in path:
        assert [row["subject"] for row in far_ahead.json()["results"]] == ["Made today"]


@pytest.mark.django_db
def test_an_instant_out_of_range_in_utc_is_a_validation_error(api, admin_user):
    response = api(admin_user).get("/api/v1/tickets", {"created_after": "0001-01-01T00:00:00+05:00"})

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert "created_after" in response.json()["errors"]
