"""Business-calendar arithmetic: worked examples and properties (hypothesis)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.sla import Calendar, add_duration, is_working_time, working_intervals, working_time_between

NINE_TO_FIVE = {day: ((time(9), time(17)),) for day in range(5)}
BERLIN = ZoneInfo("Europe/Berlin")


def local(zone, *args):
    return datetime(*args, tzinfo=zone)


def office(**kwargs):
    return Calendar(time_zone=kwargs.pop("time_zone", "UTC"), weekly=kwargs.pop("weekly", NINE_TO_FIVE), **kwargs)


class TestWorkedExamples:
    def test_a_working_day_of_eight_hours_ends_at_closing_time(self):
        monday = datetime(2026, 3, 2, 9, tzinfo=UTC)
        assert add_duration(monday, timedelta(hours=8), office()) == datetime(2026, 3, 2, 17, tzinfo=UTC)

    def test_a_clock_starting_out_of_hours_starts_at_the_next_opening(self):
        friday_evening = datetime(2026, 3, 6, 18, tzinfo=UTC)
        assert add_duration(friday_evening, timedelta(hours=1), office()) == datetime(2026, 3, 9, 10, tzinfo=UTC)
        assert add_duration(friday_evening, timedelta(0), office()) == datetime(2026, 3, 9, 9, tzinfo=UTC)

    def test_time_runs_over_into_the_next_working_day(self):
        monday_afternoon = datetime(2026, 3, 2, 16, tzinfo=UTC)
        assert add_duration(monday_afternoon, timedelta(hours=3), office()) == datetime(2026, 3, 3, 11, tzinfo=UTC)

    def test_holiday_friday_next_to_the_weekend(self):
        calendar = office(holidays=frozenset({date(2026, 4, 3)}))  # Good Friday
        thursday = datetime(2026, 4, 2, 16, tzinfo=UTC)
        assert add_duration(thursday, timedelta(hours=2), calendar) == datetime(2026, 4, 6, 10, tzinfo=UTC)

    def test_holiday_monday_after_the_weekend(self):
        calendar = office(holidays=frozenset({date(2026, 4, 6)}))  # Easter Monday
        friday = datetime(2026, 4, 3, 16, tzinfo=UTC)
        assert add_duration(friday, timedelta(hours=2), calendar) == datetime(2026, 4, 7, 10, tzinfo=UTC)

    def test_local_hours_in_a_time_zone(self):
        calendar = office(time_zone="America/New_York")
        # 13:00 UTC on a March Monday (after US DST began on the 8th) is 09:00 in New York.
        start = datetime(2026, 3, 9, 13, tzinfo=UTC)
        assert add_duration(start, timedelta(hours=8), calendar) == datetime(2026, 3, 9, 21, tzinfo=UTC)

    def test_an_interval_across_spring_forward_is_an_hour_shorter(self):
        # Berlin moves from 02:00 to 03:00 on Sunday 29 March 2026.
        calendar = Calendar(time_zone="Europe/Berlin", weekly={6: ((time(1), time(4)),)})
        opens, closes = next(working_intervals(calendar, local(BERLIN, 2026, 3, 29, 0)))
        assert closes - opens == timedelta(hours=2)
        due = add_duration(local(BERLIN, 2026, 3, 29, 1), timedelta(hours=2), calendar)
        assert due.astimezone(BERLIN) == local(BERLIN, 2026, 3, 29, 4)

    def test_an_interval_across_fall_back_is_an_hour_longer(self):
        # Berlin moves from 03:00 back to 02:00 on Sunday 25 October 2026.
        calendar = Calendar(time_zone="Europe/Berlin", weekly={6: ((time(1), time(4)),)})
        opens, closes = next(working_intervals(calendar, local(BERLIN, 2026, 10, 25, 0)))
        assert closes - opens == timedelta(hours=4)

    def test_24x7_is_plain_utc_arithmetic_even_across_dst(self):
        start = local(BERLIN, 2026, 3, 28, 12)
        assert add_duration(start, timedelta(hours=24)) == start.astimezone(UTC) + timedelta(hours=24)
        assert add_duration(start, timedelta(hours=24)).astimezone(BERLIN).hour == 13

    def test_working_time_between(self):
        monday_16 = datetime(2026, 3, 2, 16, tzinfo=UTC)
        tuesday_10 = datetime(2026, 3, 3, 10, tzinfo=UTC)
        assert working_time_between(monday_16, tuesday_10, office()) == timedelta(hours=2)
        assert working_time_between(tuesday_10, monday_16, office()) == timedelta(0)
        assert working_time_between(monday_16, tuesday_10) == timedelta(hours=18)

    def test_bad_calendars_are_refused(self):
        with pytest.raises(ValueError, match="some working hours"):
            Calendar(time_zone="UTC", weekly={})
        with pytest.raises(ValueError, match="start before"):
            Calendar(time_zone="UTC", weekly={0: ((time(17), time(9)),)})
        with pytest.raises(Exception, match="Nowhere"):
            Calendar(time_zone="Mars/Nowhere", weekly=NINE_TO_FIVE)


# --- Properties -----------------------------------------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]


@st.composite
def calendars(draw):
    weekly = {}
    for weekday in draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)):
        hours = sorted(draw(st.sets(st.integers(0, 24), min_size=2, max_size=4)))
        pairs = tuple(
            (time(a), time(b) if b < 24 else time(23, 59)) for a, b in zip(hours[::2], hours[1::2], strict=False)
        )
        if pairs:
            weekly[weekday] = pairs
    if not weekly:
        weekly = {0: ((time(9), time(17)),)}
    holidays = draw(st.sets(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=20))
    return Calendar(time_zone=draw(st.sampled_from(ZONES)), weekly=weekly, holidays=frozenset(holidays))


instants = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC))  # noqa: DTZ001 - hypothesis bounds must be naive
durations = st.integers(0, 60 * 24 * 30).map(lambda minutes: timedelta(minutes=minutes))


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, durations)
def test_a_due_time_never_falls_in_closed_hours(calendar, start, duration):
    due = add_duration(start, duration, calendar)
    # Inside an interval, or exactly at the close of one (used up at closing time).
    assert is_working_time(due, calendar) or is_working_time(due - timedelta(microseconds=1), calendar)
    assert due >= start


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, durations, durations)
def test_adding_a_then_b_equals_adding_a_plus_b(calendar, start, a, b):
    if b == timedelta(0):
        return  # adding nothing at a closing time stays there; A+0 equals A trivially
    assert add_duration(add_duration(start, a, calendar), b, calendar) == add_duration(start, a + b, calendar)


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, durations)
def test_working_time_up_to_the_due_time_is_the_duration(calendar, start, duration):
    assert working_time_between(start, add_duration(start, duration, calendar), calendar) == duration
