"""Statuses and priorities both ways, as EXTERNAL-APIS.md's mapping table says."""

import pytest

from integrations.sync import mapping as m
from tickets.choices import Status

ZENDESK_OUT = [
    ("new", "new", False),
    ("open", "open", False),
    ("in_progress", "open", False),
    ("reopened", "open", False),
    ("escalated", "open", True),
    ("pending", "pending", False),
    ("on_hold", "pending", False),
    ("resolved", "solved", False),
    ("closed", "closed", False),
]


@pytest.mark.parametrize(("local", "remote", "tagged"), ZENDESK_OUT)
def test_zendesk_status_out(local, remote, tagged):
    assert m.zendesk_status_out(local, hold_enabled=False) == m.ZendeskStatus(remote, tagged)


def test_zendesk_hold_only_where_enabled():
    assert m.zendesk_status_out("on_hold", hold_enabled=True).status == "hold"
    assert m.zendesk_status_in("hold") == Status.ON_HOLD
    assert m.zendesk_status_matches("on_hold", "hold", [], hold_enabled=False)


def test_zendesk_status_in_and_escalated_tag():
    assert m.zendesk_status_in("open", ["vip", "ESCALATED"]) == Status.ESCALATED
    assert m.zendesk_status_in("solved") == Status.RESOLVED
    assert m.zendesk_status_in("deleted") is None
    assert m.zendesk_status_matches("in_progress", "open", [], hold_enabled=False)
    assert not m.zendesk_status_matches("escalated", "open", [], hold_enabled=False)


@pytest.mark.parametrize(
    ("local", "remote"),
    [("low", "low"), ("medium", "normal"), ("high", "high"), ("urgent", "urgent")],
)
def test_zendesk_priorities_both_ways(local, remote):
    assert m.zendesk_priority_out(local) == remote
    assert m.zendesk_priority_in(remote) == local


def test_zendesk_missing_priority_keeps_ours():
    assert m.zendesk_priority_in(None) is None


@pytest.mark.parametrize(
    ("local", "remote"),
    [
        ("new", "Open"),
        ("in_progress", "Open"),
        ("escalated", "Escalated"),
        ("pending", "On Hold"),
        ("on_hold", "On Hold"),
        ("resolved", "Closed"),
        ("closed", "Closed"),
    ],
)
def test_zoho_status_out(local, remote):
    assert m.zoho_status_out(local) == remote


def test_zoho_status_in_by_status_type_and_overrides():
    assert m.zoho_status_in("Waiting on vendor", "On Hold") == Status.ON_HOLD
    assert m.zoho_status_in("Escalated", "Open") == Status.ESCALATED
    assert m.zoho_status_in("Done", "Closed") == Status.CLOSED
    assert m.zoho_status_in("Waiting", "On Hold", {"pending": "Waiting"}) == Status.PENDING
    assert m.zoho_status_out("pending", {"pending": "Waiting"}) == "Waiting"
    assert m.zoho_status_matches("pending", "on hold")


def test_zoho_priorities_follow_the_picklist():
    picklist = ["P4", "P3", "P2", "P1"]
    assert m.zoho_priority_out("urgent", picklist) == "P1"
    assert m.zoho_priority_in("p2", picklist) == "high"
    assert m.zoho_priority_out("urgent", ["Low", "High"]) == "High"
    assert m.zoho_priority_in("Nope", picklist) is None


def test_a_remote_reopen_is_our_reopened():
    assert m.reopening_target("resolved", Status.OPEN) == Status.REOPENED
    assert m.reopening_target("pending", Status.OPEN) == Status.OPEN
