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
