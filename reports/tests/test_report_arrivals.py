"""``/reports/arrivals``: tickets created per local weekday and hour, the grid managers staff from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from reports.tests.helpers import as_csv_cells, csv_table, make

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
URL = "/api/v1/reports/arrivals"


@pytest.fixture
def arrivals(db, settings):
    settings.TIME_ZONE = "Europe/Paris"  # UTC+1 in March before the 29th
    with time_machine.travel(NOW, tick=False):
        make(datetime(2026, 3, 9, 8, 15, tzinfo=UTC))  # Monday 09:15 in Paris
        make(datetime(2026, 3, 9, 8, 45, tzinfo=UTC))  # Monday 09:45
        make(datetime(2026, 3, 15, 23, 30, tzinfo=UTC))  # Monday 16th 00:30 in Paris (Sunday in UTC)
        make(datetime(2026, 3, 14, 13, 0, tzinfo=UTC))  # Saturday 14:00
        make(datetime(2026, 2, 2, 8, 0, tzinfo=UTC))  # February: outside the range


def test_each_weekday_and_hour_in_local_time(arrivals, api, manager):
    with time_machine.travel(NOW, tick=False):
        body = api(manager).get(f"{URL}?from=2026-03-01&to=2026-03-19").json()

    assert body["report"] == "arrivals" and len(body["results"]) == 7 * 24
    cells = {(row["weekday"], row["hour"]): row["count"] for row in body["results"]}
    assert (cells[(1, 9)], cells[(1, 0)], cells[(6, 14)]) == (2, 1, 1)
    assert sum(cells.values()) == 4 and cells[(7, 23)] == 0  # the Sunday 23:30 of UTC is Monday in Paris
    assert body["totals"]["by_weekday"] == {"1": 3, "2": 0, "3": 0, "4": 0, "5": 0, "6": 1, "7": 0}
    assert body["totals"]["by_hour"]["9"] == 2 and body["totals"]["created"] == 4
    assert body["busiest"] == {"weekday": 1, "hour": 9}


def test_csv_holds_the_grid_and_an_empty_range_has_no_busiest_slot(arrivals, api, manager):
    with time_machine.travel(NOW, tick=False):
        client = api(manager)
        body = client.get(f"{URL}?from=2026-03-01&to=2026-03-19").json()
        table = csv_table(client.get(f"{URL}?from=2026-03-01&to=2026-03-19&format=csv"))
        empty = client.get(f"{URL}?from=2025-01-01&to=2025-01-31").json()

    assert table[0] == ["weekday", "hour", "count"]
    assert table[1:] == as_csv_cells(body["results"], table[0])
    assert empty["busiest"] is None and empty["totals"]["created"] == 0 and len(empty["results"]) == 168


def test_customers_have_no_arrivals(arrivals, api, customer):
    response = api(customer).get(URL)
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
