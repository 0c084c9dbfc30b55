"""SLA due times from the seeded policies, policy matching, breach marking and the state word."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from accounts.tests.factories import UserFactory
from tickets import services
from tickets.models import EventKind, SLAPolicy, SLATarget, Ticket, TicketEvent
from tickets.sla import Clock, SlaState, sla_state
from tickets.tests.factories import category

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def create(actor, *, slug="general", priority="medium", **kwargs):
    return services.ticket_create(
        actor=actor, subject="Printer jam", category=category(slug), priority=priority, now=T0, **kwargs
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("priority", "first_response", "resolution"),
    [("urgent", 2, 24), ("high", 4, 48), ("medium", 8, 120), ("low", 24, 240)],
)
def test_standard_policy_targets_from_seed_002(customer, priority, first_response, resolution):
    ticket = create(customer, priority=priority)
    assert ticket.sla_policy.name == "Standard"
    assert ticket.first_response_due_at == T0 + timedelta(hours=first_response)
    assert ticket.resolution_due_at == T0 + timedelta(hours=resolution)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("priority", "first_response", "resolution"),
    [("P1", 1, 4), ("P2", 4, 24), ("P3", 8, 72), ("P4", 24, 168)],
)
def test_incident_policy_targets_from_seed_004(customer, priority, first_response, resolution):
    ticket = create(customer, slug="incident", priority=priority)
    assert ticket.sla_policy.name == "Incident"
    assert ticket.first_response_due_at == T0 + timedelta(hours=first_response)
    assert ticket.resolution_due_at == T0 + timedelta(hours=resolution)


@pytest.mark.django_db
def test_priority_change_moves_due_times_from_creation(manager, customer):
    ticket = create(customer, priority="low")
    changed = services.ticket_update(
        actor=manager, ticket=ticket, changes={"priority": "urgent"}, now=T0 + timedelta(hours=1)
    )
    assert changed.first_response_due_at == T0 + timedelta(hours=2)
    assert changed.resolution_due_at == T0 + timedelta(hours=24)
    event = changed.events.get(kind=EventKind.PRIORITY_CHANGED)
    assert (event.old_value, event.new_value) == ("low", "urgent")


@pytest.mark.django_db
def test_category_change_switches_policy(manager, customer):
    ticket = create(customer, priority="urgent")
    changed = services.ticket_update(actor=manager, ticket=ticket, changes={"category": category("incident")})
    assert changed.sla_policy.name == "Incident"
    assert changed.resolution_due_at == T0 + timedelta(hours=4)


@pytest.mark.django_db
def test_first_matching_policy_wins_by_position(customer, org):
    vip = SLAPolicy.objects.create(name="VIP", position=5, organization=org)
    SLATarget.objects.create(policy=vip, priority="medium", first_response_minutes=30, resolution_minutes=240)
    ticket = create(customer)  # the customer belongs to org
    assert ticket.sla_policy == vip
    assert ticket.first_response_due_at == T0 + timedelta(minutes=30)
    outsider = UserFactory()
    assert create(outsider).sla_policy.name == "Standard"


@pytest.mark.django_db
def test_inactive_policy_is_skipped_and_no_policy_means_no_due_times(customer):
    SLAPolicy.objects.update(is_active=False)
    ticket = create(customer)
    assert (ticket.sla_policy, ticket.first_response_due_at, ticket.resolution_due_at) == (None, None, None)


@pytest.mark.django_db
class TestBreachMarking:
    def test_past_due_metrics_are_marked_once_with_an_event_each(self, customer, agent):
        replied = create(customer, priority="urgent")
        services.comment_add(actor=agent, ticket=replied, body="On it.", now=T0 + timedelta(minutes=30))
        silent = create(customer, priority="urgent")
        with time_machine.travel(T0 + timedelta(hours=3), tick=False):
            assert services.sla_sweep()["breached"] == 1  # silent's first response only
            assert services.sla_sweep()["breached"] == 0
        with time_machine.travel(T0 + timedelta(hours=25), tick=False):
            assert services.sla_sweep()["breached"] == 2  # both resolutions
        silent.refresh_from_db()
        replied.refresh_from_db()
        assert (silent.first_response_breached, silent.resolution_breached) == (True, True)
        assert (replied.first_response_breached, replied.resolution_breached) == (False, True)
        fields = sorted(TicketEvent.objects.filter(kind=EventKind.SLA_BREACHED).values_list("ticket_id", "field"))
        assert fields == sorted([(silent.pk, "first_response"), (silent.pk, "resolution"), (replied.pk, "resolution")])

    def test_paused_and_resolved_tickets_do_not_newly_breach(self, customer, admin_user):
        paused = create(customer, priority="urgent")
        services.ticket_transition(actor=admin_user, ticket=paused, to_status="open", now=T0)
        services.comment_add(actor=admin_user, ticket=paused, body="Need logs", now=T0)
        services.ticket_transition(actor=admin_user, ticket=paused, to_status="pending", now=T0)
        with time_machine.travel(T0 + timedelta(days=3), tick=False):
            assert services.sla_sweep()["breached"] == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_record_each_breach_exactly_once():
    requester = UserFactory()
    for index in range(30):
        services.ticket_create(actor=requester, subject=f"T{index}", category=category(), priority="urgent", now=T0)
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            counts.append(services.sla_sweep(now=T0 + timedelta(days=2))["breached"])
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 60
    assert TicketEvent.objects.filter(kind=EventKind.SLA_BREACHED).count() == 60
    assert Ticket.objects.filter(first_response_breached=True, resolution_breached=True).count() == 30


class TestSlaState:
    target = timedelta(hours=10)

    def clock(self, **kwargs):
        return Clock(target=self.target, due_at=T0 + self.target, at_risk_at=T0 + 0.8 * self.target, **kwargs)

    def state(self, now, **kwargs):
        defaults = {"first_response": None, "resolution": self.clock(), "paused": False, "stopped": False}
        return sla_state(now=now, **{**defaults, **kwargs})

    def test_ok_until_eighty_percent_then_at_risk_then_breached(self):
        assert self.state(T0 + timedelta(hours=7, minutes=59)) == SlaState.OK
        assert self.state(T0 + timedelta(hours=8)) == SlaState.AT_RISK
        assert self.state(T0 + timedelta(hours=10, seconds=1)) == SlaState.BREACHED

    def test_paused_met_and_recorded_breach(self):
        assert self.state(T0 + timedelta(hours=9), paused=True) == SlaState.PAUSED
        assert (
            self.state(
                T0 + timedelta(hours=30), stopped=True, resolution=self.clock(stopped_at=T0 + timedelta(hours=5))
            )
            == SlaState.MET
        )
        assert self.state(T0, resolution=self.clock(breached=True)) == SlaState.BREACHED

    def test_met_late_counts_as_breached(self):
        late = self.clock(stopped_at=T0 + timedelta(hours=11))
        assert self.state(T0 + timedelta(hours=12), stopped=True, resolution=late) == SlaState.BREACHED

    def test_naive_datetimes_are_refused(self):
        from tickets.sla import add_duration

        with pytest.raises(ValueError, match="aware"):
            add_duration(datetime(2026, 1, 1), timedelta(hours=1))  # noqa: DTZ001 - the point of the test


@pytest.mark.django_db
def test_policy_on_a_business_calendar_counts_working_time(customer):
    from datetime import date, time

    from tickets.models import BusinessCalendar, Holiday, WorkingHours

    office = BusinessCalendar.objects.create(name="Berlin office", time_zone="Europe/Berlin")
    for weekday in range(5):
        WorkingHours.objects.create(calendar=office, weekday=weekday, starts_at=time(9), ends_at=time(17))
    Holiday.objects.create(calendar=office, date=date(2026, 3, 3), name="Office closed")
    SLAPolicy.objects.filter(name="Standard").update(calendar=office)
    # Monday 2 March 2026, 15:00 in Berlin (14:00 UTC): 2 h left today, Tuesday is a holiday.
    monday = datetime(2026, 3, 2, 14, tzinfo=UTC)
    ticket = services.ticket_create(actor=customer, subject="Printer", category=category(), priority="high", now=monday)
    # high: first response 4 h -> 2 h Monday + 2 h Wednesday = Wednesday 11:00 Berlin (10:00 UTC).
    assert ticket.first_response_due_at == datetime(2026, 3, 4, 10, tzinfo=UTC)
    # 48 h of working time: 2 h Mon, 8 h each Wed, Thu, Fri, Mon, Tue (40), 6 h Wed 11 March -> 15:00 Berlin.
    assert ticket.resolution_due_at == datetime(2026, 3, 11, 14, tzinfo=UTC)
    # At risk by working time: Wednesday 10:00 Berlin is 3 of 4 hours used (75 %): still ok; 10:12 is 80 %.
    fresh = Ticket.objects.select_related("sla_policy__calendar").get(pk=ticket.pk)
    assert fresh.sla_state(datetime(2026, 3, 4, 9, 0, tzinfo=UTC)) == SlaState.OK
    assert fresh.sla_state(datetime(2026, 3, 4, 9, 12, tzinfo=UTC)) == SlaState.AT_RISK
    # Tuesday (holiday) counts nothing: at 23:00 UTC Tuesday only 2 of 4 hours are used.
    assert fresh.sla_state(datetime(2026, 3, 3, 23, tzinfo=UTC)) == SlaState.OK


@pytest.mark.django_db
def test_calendars_api_round_trip(api, admin_user, agent):
    body = {
        "name": "Support hours",
        "time_zone": "America/New_York",
        "hours": [{"weekday": d, "starts_at": "08:00", "ends_at": "18:00"} for d in range(5)],
        "holidays": [{"date": "2026-07-03", "name": "Independence Day (observed)"}],
    }
    created = api(admin_user).post("/api/v1/sla/calendars", body, format="json")
    assert created.status_code == 201, created.json()
    listed = api(agent).get("/api/v1/sla/calendars").json()["results"]
    assert listed[0]["holidays"] == [{"date": "2026-07-03", "name": "Independence Day (observed)"}]
    assert listed[0]["hours"][0] == {"weekday": 0, "starts_at": "08:00", "ends_at": "18:00"}
    assert len(listed[0]["hours"]) == 5
    assert api(agent).post("/api/v1/sla/calendars", body, format="json").status_code == 403
    bad = api(admin_user).post("/api/v1/sla/calendars", body | {"name": "x", "time_zone": "Mars/Base"}, format="json")
    assert bad.status_code == 400 and "time_zone" in bad.json()["errors"]
    overlapping = body | {
        "name": "y",
        "hours": [
            {"weekday": 0, "starts_at": "08:00", "ends_at": "12:00"},
            {"weekday": 0, "starts_at": "11:00", "ends_at": "13:00"},
        ],
    }
    assert api(admin_user).post("/api/v1/sla/calendars", overlapping, format="json").status_code == 400
