"""The demo data: every role can log in, every status is shown, loading twice adds nothing."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from accounts.roles import Role
from tickets.choices import Status
from tickets.demo import USERS, load_demo
from tickets.models import Attachment, Comment, CustomFieldValue, Ticket


@pytest.mark.django_db
def test_demo_covers_every_role_and_status_and_is_idempotent():
    first = load_demo()
    assert first["tickets_created"] == 50
    assert {spec.role for spec in USERS} == set(Role)
    for spec in USERS:
        user = authenticate(username=spec.email, password=spec.password)
        assert user is not None and user.role == spec.role
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert Comment.objects.filter(is_internal=True).exists()
    assert Comment.objects.filter(is_internal=False).exists()
    assert Attachment.objects.filter(content_type="text/plain").exists()
    billing = Ticket.objects.filter(category__slug="billing")
    assert billing.count() == CustomFieldValue.objects.filter(field__key="invoice_number").count() > 0
    counts = (Ticket.objects.count(), Comment.objects.count())

    assert load_demo()["tickets_created"] == 0
    assert (Ticket.objects.count(), Comment.objects.count()) == counts


@pytest.mark.django_db
def test_demo_command_refuses_outside_debug_and_prints_logins(settings, capsys):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")
    call_command("load_demo", "--force")
    out = capsys.readouterr().out
    assert "admin@example.com" in out and "demo-admin-2026" in out


@pytest.mark.django_db
def test_the_demo_desk_looks_like_a_real_one():
    """A spread of ages: most active tickets inside their SLA, some at risk, few breached."""
    from django.utils import timezone

    from tickets import workflow

    load_demo()
    now = timezone.now()
    states = [t.sla_state(now).value for t in Ticket.objects.filter(status__in=workflow.ACTIVE_STATUSES)]
    assert states.count("at_risk") >= 3
    assert 1 <= states.count("breached") <= len(states) // 10
    assert states.count("ok") > len(states) // 2
    ages = sorted((now - created).days for created in Ticket.objects.values_list("created_at", flat=True))
    assert ages[0] == 0 and ages[-1] >= 30, "from today to weeks of history"
    assert not Ticket.objects.filter(updated_at__gt=now).exists(), "no story runs into the future"
