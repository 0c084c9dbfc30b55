"""What the reports page hands its charts and shows around them: date names, no data vs zero,
durations as people read them, and date presets that fill the from/to fields."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from reports.presets import date_presets
from reports.templatetags.report_format import duration_text
from reports.tests.helpers import H, make

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def charts(response) -> dict:
    html = response.content.decode()
    return json.loads(re.search(r'<script id="report-charts" type="application/json">(.*?)</script>', html, re.S)[1])


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (None, "—"),
        ("", "—"),  # a figure the template could not find: never a 500
        (0, "0 min"),
        (0.2, "< 1 min"),
        (45, "45 min"),
        (59.6, "1 h"),
        (90, "1 h 30 min"),
        (720.0, "12 h"),
        (1439.7, "1 d"),
        (3 * 1440 + 240, "3 d 4 h"),
        (3 * 1440 + 250, "3 d 4 h"),
        (2 * 1440, "2 d"),
    ],
)
def test_durations_read_as_minutes_hours_and_days(minutes, text):
    assert duration_text(minutes) == text


def test_the_presets_are_local_days_ending_today():
    presets = {preset.key: (preset.start, preset.end) for preset in date_presets(date(2026, 5, 20))}
    assert presets == {
        "today": (date(2026, 5, 20), date(2026, 5, 20)),
        "7d": (date(2026, 5, 14), date(2026, 5, 20)),
        "30d": (date(2026, 4, 21), date(2026, 5, 20)),
        "month": (date(2026, 5, 1), date(2026, 5, 20)),
        "quarter": (date(2026, 1, 1), date(2026, 3, 31)),
    }
    # In January the last quarter is the previous year's fourth.
    january = {preset.key: (preset.start, preset.end) for preset in date_presets(date(2027, 1, 10))}
    assert january["quarter"] == (date(2026, 10, 1), date(2026, 12, 31))


def test_the_page_fills_the_dates_and_marks_the_preset_shown(client, manager, frozen):
    client.force_login(manager)
    html = client.get(reverse("admin:reports")).content.decode()
    # The default range (the last 30 days, today included) is written in the fields.
    assert '<input type="date" name="from" value="2026-04-21">' in html
    assert '<input type="date" name="to" value="2026-05-20">' in html
    assert re.search(
        r'data-preset="30d" data-preset-from="2026-04-21" data-preset-to="2026-05-20" aria-pressed="true"', html
    )
    assert re.search(r'data-preset="quarter" data-preset-from="2026-01-01" data-preset-to="2026-03-31">', html)

    html = client.get(reverse("admin:reports"), {"from": "2026-05-14", "to": "2026-05-20"}).content.decode()
    assert re.search(r'data-preset="7d"[^>]*aria-pressed="true"', html)
    assert not re.search(r'data-preset="30d"[^>]*aria-pressed', html)


def test_the_volume_chart_has_a_time_axis_with_short_and_long_day_names(client, manager, frozen):
    make(NOW - 2 * H)
    client.force_login(manager)
    volume = charts(client.get(reverse("admin:reports")))["volume"]
    assert volume["axis"] == "time"
    assert len(volume["labels"]) == 30
    assert (volume["labels"][0], volume["labels"][-1]) == ("Apr 21", "May 20")
    assert volume["titles"][-1] == "Wed, May 20, 2026"
    assert volume["series"][0]["values"][-1] == 1 and volume["series"][0]["values"][0] == 0

    by_week = charts(client.get(reverse("admin:reports"), {"bucket": "week"}))["volume"]
    assert by_week["labels"][-1] == "May 18" and by_week["titles"][-1] == "Week of May 18, 2026"
    by_month = charts(client.get(reverse("admin:reports"), {"bucket": "month"}))["volume"]
    assert by_month["labels"] == ["Apr 2026", "May 2026"] and by_month["titles"] == ["April 2026", "May 2026"]


def test_sla_without_a_judged_clock_is_no_data_not_zero(client, manager, frozen):
    # Breached first response (judged, 0 % met); the resolution clock still runs (nothing judged).
    make(NOW - 10 * H)
    client.force_login(manager)
    sla = charts(client.get(reverse("admin:reports")))["sla"]
    assert (sla["unit"], sla["max"]) == ("%", 100)
    medium = sla["labels"].index("Medium")
    first_response, resolution = sla["series"]
    assert first_response["values"][medium] == 0
    assert resolution["values"][medium] is None


def test_agent_durations_read_as_hours_and_days(client, manager, agent, frozen):
    make(
        NOW - 100 * H,
        assignee=agent,
        first_responded_at=NOW - 99 * H,
        first_response_minutes=45,
        resolved_at=NOW - 24 * H,
        resolution_minutes=3 * 1440 + 240,
    )
    client.force_login(manager)
    response = client.get(reverse("admin:reports"))
    row = response.context["answers"]["agents"]["results"][0]
    assert (row["median_first_response"], row["median_resolution"]) == (45, 4560)
    html = response.content.decode()
    table = html[html.index('id="agents-table"') : html.index("</table>", html.index('id="agents-table"'))]
    assert "<td>45 min</td><td>3 d 4 h</td>" in table
    assert "4560" not in table and "(min)" not in table
