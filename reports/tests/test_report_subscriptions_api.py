"""``/api/v1/reports/subscriptions``: staff manage their own scheduled report emails, within their scope."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.tests.factories import TeamFactory
from reports.models import ReportSubscription

URL = "/api/v1/reports/subscriptions"
pytestmark = pytest.mark.django_db


def test_a_manager_subscribes_weekly_with_filters_and_sees_when_it_goes_out(api, manager, team, settings):
    settings.TIME_ZONE = "Europe/Paris"
    with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        response = api(manager).post(
            URL,
            {"frequency": "weekly", "weekday": "friday", "hour": 17, "team": [team.pk], "priority": ["P1", "high"]},
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["frequency"], body["weekday"], body["hour"], body["active"]) == ("weekly", "friday", 17, True)
        assert (body["team"], body["priority"], body["category"]) == ([team.pk], ["urgent", "high"], [])
        assert (body["time_zone"], body["next_send_at"], body["last_sent_at"]) == (
            "Europe/Paris",
            "2026-03-06T17:00:00+01:00",
            None,
        )
    stored = ReportSubscription.objects.get(pk=body["id"])
    assert (stored.user, stored.weekday, stored.filters) == (
        manager,
        4,
        {"team": [team.pk], "priority": ["urgent", "high"]},
    )
    listed = api(manager).get(URL).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]


def test_defaults_are_daily_at_seven(api, agent):
    body = api(agent).post(URL, {}).json()
    assert (body["frequency"], body["hour"], body["weekday"], body["team"]) == ("daily", 7, "monday", [])


def test_customers_may_not_subscribe_and_anonymous_must_sign_in(api, customer):
    refused = api(customer).post(URL, {"frequency": "daily"})
    assert (refused.status_code, refused.json()["code"]) == (403, "FORBIDDEN")
    assert api(customer).get(URL).status_code == 403
    assert api().get(URL).status_code == 401
    assert not ReportSubscription.objects.exists()


def test_nobody_sees_or_changes_anothers_subscription(api, manager, admin_user):
    theirs = api(manager).post(URL, {"frequency": "daily"}).json()["id"]
    other = api(admin_user)
    assert other.get(f"{URL}/{theirs}").status_code == 404
    assert other.patch(f"{URL}/{theirs}", {"active": False}).status_code == 404
    assert other.delete(f"{URL}/{theirs}").status_code == 404
    assert other.get(URL).json()["results"] == []
    assert ReportSubscription.objects.get(pk=theirs).active is True


def test_a_team_lead_may_only_filter_on_their_own_teams(api, team_lead, team, agent):
    elsewhere = TeamFactory()
    refused = api(team_lead).post(URL, {"team": [team.pk, elsewhere.pk]})
    assert refused.status_code == 400
    assert refused.json()["errors"]["team"] == [
        f"Team {elsewhere.pk} is not one of yours: your reports cover your teams."
    ]
    assert api(team_lead).post(URL, {"team": [team.pk]}).status_code == 201
    # An agent in no team may not narrow on one either; a manager may pick any.
    assert api(agent).post(URL, {"team": [elsewhere.pk]}).status_code == 400


def test_bad_values_are_400_per_field(api, manager):
    response = api(manager).post(
        URL, {"frequency": "hourly", "weekday": "funday", "hour": 24, "team": [999999], "category": ["nope"]}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"frequency", "weekday", "hour", "team", "category"}
    assert api(manager).post(URL, {"hour": "seven"}).status_code == 400
    assert not ReportSubscription.objects.exists()


def test_pause_change_and_unsubscribe(api, manager):
    client = api(manager)
    pk = client.post(URL, {"frequency": "daily", "priority": "urgent"}).json()["id"]
    paused = client.patch(f"{URL}/{pk}", {"active": False, "hour": 9}).json()
    assert (paused["active"], paused["hour"], paused["next_send_at"], paused["priority"]) == (
        False,
        9,
        None,
        ["urgent"],
    )
    cleared = client.patch(f"{URL}/{pk}", {"priority": []}).json()
    assert cleared["priority"] == []
    assert ReportSubscription.objects.get(pk=pk).filters == {}
    assert client.delete(f"{URL}/{pk}").status_code == 204
    assert not ReportSubscription.objects.exists()


def test_the_list_takes_a_fixed_number_of_queries(api, manager, django_assert_max_num_queries):
    client = api(manager)
    for hour in range(5):
        client.post(URL, {"hour": hour})
    with django_assert_max_num_queries(3):
        assert len(client.get(URL).json()["results"]) == 5


@pytest.mark.parametrize(
    "body",
    [
        [],
        "x",
        {"team": {"a": 1}},
        {"hour": 1e100},
        {"frequency": []},
        {"weekday": None},
        {"team": "9" * 40},
        {"category": [None]},
        {"priority": {"x": 1}},
        {"active": "maybe"},
    ],
)
def test_hostile_bodies_are_400_not_500(api, manager, body):
    response = api(manager).post(URL, body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "VALIDATION_ERROR")
    assert not ReportSubscription.objects.exists()
