"""When a subscription's email is due and which days it covers, in the server's time zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from reports.schedule import latest_period, next_due

PARIS = ZoneInfo("Europe/Paris")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_daily_covers_the_day_before_from_its_hour_on():
    before = latest_period(frequency="daily", weekday=0, hour=7, now=local(2026, 3, 2, 6, 59), zone=PARIS)
    assert before.key == "daily:2026-02-28"
    at_hour = latest_period(frequency="daily", weekday=0, hour=7, now=local(2026, 3, 2, 7, 0), zone=PARIS)
    assert at_hour.key == "daily:2026-03-01"
    assert (at_hour.start, at_hour.end, at_hour.due) == (local(2026, 3, 1), local(2026, 3, 2), local(2026, 3, 2, 7))
    # 06:30 UTC is 07:30 in Paris: the hour is the local one.
    utc = latest_period(frequency="daily", weekday=0, hour=7, now=datetime(2026, 3, 2, 6, 30, tzinfo=UTC), zone=PARIS)
    assert utc.key == "daily:2026-03-01"


def test_weekly_covers_the_seven_days_before_its_weekday():
    monday_8 = local(2026, 3, 2, 8)  # 2 March 2026 is a Monday
    period = latest_period(frequency="weekly", weekday=0, hour=8, now=monday_8, zone=PARIS)
    assert (period.key, period.start, period.end) == ("weekly:2026-02-23", local(2026, 2, 23), local(2026, 3, 2))
    early = latest_period(frequency="weekly", weekday=0, hour=8, now=monday_8 - timedelta(minutes=1), zone=PARIS)
    assert early.key == "weekly:2026-02-16"
    friday = latest_period(frequency="weekly", weekday=4, hour=17, now=local(2026, 3, 2, 12), zone=PARIS)
    assert (friday.key, friday.due) == ("weekly:2026-02-20", local(2026, 2, 27, 17))


def test_a_day_across_the_spring_change_is_23_hours_and_still_one_period():
    period = latest_period(frequency="daily", weekday=0, hour=0, now=local(2026, 3, 30, 0, 5), zone=PARIS)
    assert period.key == "daily:2026-03-29"
    assert period.end.astimezone(UTC) - period.start.astimezone(UTC) == timedelta(hours=23)


def test_next_due_is_one_period_after_the_latest():
    now = local(2026, 3, 2, 7, 30)
    assert next_due(frequency="daily", weekday=0, hour=7, now=now, zone=PARIS) == local(2026, 3, 3, 7)
    assert next_due(frequency="daily", weekday=0, hour=9, now=now, zone=PARIS) == local(2026, 3, 2, 9)
    assert next_due(frequency="weekly", weekday=2, hour=9, now=now, zone=PARIS) == local(2026, 3, 4, 9)
