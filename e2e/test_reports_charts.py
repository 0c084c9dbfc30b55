"""The reports page's charts in a real browser: a legible 30-day axis, tooltips, zero vs no data, presets."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from accounts.roles import Role
from accounts.tests.factories import PASSWORD, UserFactory
from reports.tests.helpers import make

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VOLUME = ".hd-chart__canvas[data-chart-key=volume]"


@pytest.fixture
def desk():
    UserFactory(email="manager@example.com", full_name="Maya Manager", role=Role.MANAGER)
    now = timezone.now()
    # Halfway through the local day so far: today and in the past, whatever the time (near midnight
    # "five minutes ago" is yesterday).
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    base = start + (now - start) / 2
    # Tickets on some days of the last 30, none on the others (real zeros on the axis).
    for days_ago in (0, 0, 1, 3, 4, 4, 4, 9, 15, 22, 29):
        make(base - timedelta(days=days_ago))
    # An urgent ticket a day old: its first response overdue (judged), its resolution not due yet (no data).
    make(base - timedelta(days=1), priority="urgent")


def label_boxes(page: Page, chart: str) -> list[dict]:
    labels = page.locator(f"{chart} .hd-axis__label")
    expect(labels.first).to_be_visible()
    return sorted((labels.nth(i).bounding_box() for i in range(labels.count())), key=lambda box: box["x"])


def assert_no_overlap(boxes: list[dict]) -> None:
    assert len(boxes) >= 2
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left["x"] + left["width"] <= right["x"], (left, right)


def test_the_30_day_axis_is_legible_and_bars_have_tooltips(page, live_server, login, screenshot, desk):
    login(page, live_server, "manager@example.com", PASSWORD)
    page.goto("/admin/reports/")
    chart = page.locator(VOLUME)
    expect(chart.locator("svg")).to_be_visible()

    # 30 (or 31) days in the default range: every Nth label, none overlapping, the latest day labelled.
    boxes = label_boxes(page, VOLUME)
    assert_no_overlap(boxes)
    assert 4 <= len(boxes) < 30
    today = timezone.localdate()
    expect(chart.locator(".hd-axis__label").last).to_have_text(date_format(today, "M j"))
    screenshot(page, "reports-1366")

    # A pointer over a day shows its date and both values.
    tip = chart.locator(".hd-tooltip")
    expect(tip).to_be_hidden()
    chart.locator(".hd-hit").last.hover()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(date_format(today, "D, M j, Y"))
    expect(tip).to_contain_text("Created: 2")
    expect(tip).to_contain_text("Resolved: 0")

    # The keyboard reaches it too: the chart takes focus, arrows move from day to day.
    page.mouse.move(0, 0)
    chart.focus()
    expect(tip).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(tip).to_contain_text(date_format(today - timedelta(days=1), "D, M j, Y"))
    expect(tip).to_contain_text("Created: 2")
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()

    # A zero is a thin bar; no data (no SLA clock judged yet) a hollow box, named in the legend.
    expect(chart.locator(".hd-bar--zero").first).to_be_attached()
    sla = page.locator(".hd-chart__canvas[data-chart-key=sla]")
    expect(sla.locator(".hd-bar--none").first).to_be_attached()
    expect(sla.locator(".hd-legend")).to_contain_text("no data")
    sla.locator(".hd-hit").first.hover()  # urgent comes first
    expect(sla.locator(".hd-tooltip")).to_contain_text("no data")


def test_the_axis_fits_a_phone_too(page, live_server, login, screenshot, desk):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "manager@example.com", PASSWORD)
    page.goto("/admin/reports/")
    assert_no_overlap(label_boxes(page, VOLUME))
    screenshot(page, "reports-390")
    # The chart fits the screen: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1


def test_a_preset_fills_the_dates(page, live_server, login, desk):
    login(page, live_server, "manager@example.com", PASSWORD)
    page.goto("/admin/reports/")
    today = timezone.localdate()
    page.get_by_role("button", name="7 days").click()
    expect(page).to_have_url(re.compile(rf"from={today - timedelta(days=6):%Y-%m-%d}&to={today:%Y-%m-%d}"))
    expect(page.locator("input[name=from]")).to_have_value(f"{today - timedelta(days=6):%Y-%m-%d}")
    expect(page.get_by_role("button", name="7 days")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"{VOLUME} .hd-hit")).to_have_count(7)


def test_the_console_home_draws_the_same_charts(page, live_server, login, screenshot, desk):
    login(page, live_server, "manager@example.com", PASSWORD)
    page.goto("/admin/")
    daily = ".hd-chart__canvas[data-chart-key=created_resolved]"
    assert_no_overlap(label_boxes(page, daily))
    page.locator(f"{daily} .hd-hit").last.hover()
    expect(page.locator(f"{daily} .hd-tooltip")).to_contain_text("Created: 2")
    screenshot(page, "console-home")
