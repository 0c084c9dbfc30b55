"""Report parameters: dates in the server's time zone, defaults, filters, and 400s per field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from accounts.models import Team
from reports.metrics.volume import VolumeParamsSerializer
from reports.params import ReportParamsSerializer, parse_params

# 11:00 on Saturday 14 March 2026 in Paris (UTC+1).
NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


@pytest.fixture(autouse=True)
def teams(db):
    """Teams 1 to 3: a filter names teams that exist (the categories are seeded by the migrations)."""
    return [Team.objects.create(pk=pk, name=f"Team {pk}", slug=f"team-{pk}") for pk in (1, 2, 3)]


def parse(query: str, serializer=ReportParamsSerializer):
    with time_machine.travel(NOW, tick=False):
        return parse_params(serializer, QueryDict(query))


def errors(query: str, serializer=ReportParamsSerializer) -> dict:
    with pytest.raises(ValidationError) as caught:
        parse(query, serializer)
    return caught.value.detail


def test_default_range_is_the_last_30_local_days_today_included():
    params = parse("")

    assert params.as_json()["from"] == "2026-02-13T00:00:00+01:00"
    assert params.as_json()["to"] == "2026-03-15T00:00:00+01:00"
    assert params.as_json()["time_zone"] == "Europe/Paris"


def test_default_range_across_the_dst_change_keeps_local_midnights():
    # On 10 April Paris is on summer time (UTC+2), on 12 March still on winter time.
    with time_machine.travel(datetime(2026, 4, 10, 12, 0, tzinfo=UTC), tick=False):
        params = parse_params(ReportParamsSerializer, QueryDict(""))

    assert params.as_json()["from"] == "2026-03-12T00:00:00+01:00"
    assert params.as_json()["to"] == "2026-04-11T00:00:00+02:00"


def test_a_date_to_includes_that_whole_day_and_a_datetime_is_exact():
    by_date = parse("from=2026-03-01&to=2026-03-31")
    assert (by_date.start, by_date.end) == (
        datetime(2026, 2, 28, 23, 0, tzinfo=UTC),  # local midnight of the 1st
        datetime(2026, 3, 31, 22, 0, tzinfo=UTC),  # local midnight after the 31st (summer time by then)
    )

    naive = parse("from=2026-03-01T09:30&to=2026-03-02T18:00:00")
    assert naive.start == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)  # read in the server's zone
    assert naive.end == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)

    # An unencoded "+" arrives as a space; it is read as the "+" it was.
    offsets = parse("from=2026-03-01T09:30:00Z&to=2026-03-02T09:30:00 05:00")
    assert offsets.start == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert offsets.end == datetime(2026, 3, 2, 4, 30, tzinfo=UTC)


def test_from_alone_keeps_the_default_end():
    # Without "to" the range still ends tonight; "from" only moves the start.
    params = parse("from=2026-03-10")
    assert params.as_json()["from"] == "2026-03-10T00:00:00+01:00"
    assert params.as_json()["to"] == "2026-03-15T00:00:00+01:00"


def test_filters_accept_repeats_commas_aliases_and_any_case():
    params = parse("team=3,1&team=3&category=Billing,FEATURE-REQUEST&priority=P1&priority=low,high")

    assert params.teams == (1, 3)
    assert params.categories == ("billing", "feature_request")
    assert params.priorities == ("urgent", "high", "low")  # by rank, urgent first


def test_a_year_and_a_day_is_the_longest_range():
    assert parse("from=2025-03-14&to=2026-03-14").end.year == 2026  # 366 local days
    assert errors("from=2025-03-13&to=2026-03-14") == {"to": ["A report covers at most 366 days; narrow from/to."]}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=yesterday", "from"),
        ("from=2026-02-30", "from"),
        ("to=2026-13-01T00:00", "to"),
        ("from=2026-03-10&to=2026-03-09", "to"),
        ("from=2026-03-10T12:00&to=2026-03-10T12:00", "to"),
        ("to=9999-12-31", "to"),
        ("team=support", "team"),
        ("team=99999999999999999999", "team"),
        ("priority=P5", "priority"),
        ("category=no-such-category", "category"),
        ("category=billing,no-such-category", "category"),
        ("team=99999", "team"),
        ("team=1,99999", "team"),
        ("category=,,", None),  # nothing given: no filter, no error
    ],
)
def test_bad_values_are_named_by_field(query, field):
    if field is None:
        assert parse(query).categories == ()
        return
    assert field in errors(query)


def test_report_options_are_checked_too():
    assert parse("bucket=week&split=team", VolumeParamsSerializer).options == {"bucket": "week", "split": "team"}
    assert parse("", VolumeParamsSerializer).options == {"bucket": "day", "split": None}
    assert set(errors("bucket=hour&split=assignee", VolumeParamsSerializer)) == {"bucket", "split"}


def test_equal_requests_have_equal_cache_texts_whatever_the_spelling():
    first = parse("priority=P1,high&team=2,1&from=2026-03-01")
    second = parse("priority=HIGH&priority=urgent&team=1&team=2&from=2026-03-01T00:00:00%2B01:00")

    assert first == second
    assert first.cache_part() == second.cache_part()
    assert first.cache_part() != parse("priority=P1&from=2026-03-01").cache_part()


def test_unknown_filter_values_are_named_in_the_error():
    assert errors("category=no-such-category") == {"category": ["Unknown category 'no_such_category'."]}
    assert errors("team=4,99999") == {"team": ["Unknown team 4."]}
    assert parse("category=Service Request,service-request").categories == ("service_request",)


@pytest.mark.django_db
def test_an_offset_postgresql_refuses_is_read_in_utc_and_one_before_year_1_is_a_400(api, admin_user):
    """The ISO format allows +20:10; PostgreSQL refuses offsets past +/-15:59 (it was a 500 there)."""
    far = api(admin_user).get(
        "/api/v1/reports/tickets", {"from": "0326-08-20T16:33:25+20:10", "to": "0327-08-20T16:33:25+20:10"}
    )
    before_year_1 = api(admin_user).get("/api/v1/reports/dashboard", {"from": "0001-01-01T00:00:00+05:00"})

    assert far.status_code == 200
    assert far.json()["params"]["from"].startswith("0326-08-1")  # 20:23 UTC the day before, shown in Paris
    assert before_year_1.status_code == 400
    assert "from" in before_year_1.json()["errors"]
