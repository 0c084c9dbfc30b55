"""The macro model: what a manager may save, how its reply is filled in, and the canned responses it replaced."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.tests.factories import UserFactory
from tickets.choices import Priority, Status
from tickets.models import Macro
from tickets.models.macros import tag_names
from tickets.tests.factories import MacroFactory


def errors_of(macro: Macro) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        macro.full_clean()
    return caught.value.message_dict


@pytest.mark.django_db
class TestValidation:
    def test_unknown_placeholders_are_refused_naming_them_and_the_known_ones(self):
        errors = errors_of(Macro(name="Oops", reply="Hi {customer}, about {ticket_number} {ticket.__class__} {x}"))
        [message] = errors["reply"]
        assert message.startswith("Unknown placeholder customer, x. Use: {ticket_number}, {ticket_subject}")

    def test_a_macro_without_any_action_is_refused(self):
        errors = errors_of(Macro(name="Empty", reply="   ", add_tags=" , ", description="does nothing"))
        assert errors["__all__"] == [
            "A macro needs at least one action: a reply, a status, a priority, tags or an assignment."
        ]

    def test_assigning_to_a_person_and_to_whoever_applies_it_is_refused(self, agent):
        errors = errors_of(Macro(name="Both", assign_to_me=True, assignee=agent))
        assert errors["assignee"] == ["Choose a person or “the agent applying it”, not both."]

    def test_a_tag_both_added_and_removed_is_refused(self):
        errors = errors_of(Macro(name="Tags", add_tags="VPN, billing", remove_tags="vpn"))
        assert errors["remove_tags"] == ["A tag cannot be both added and removed: vpn."]

    def test_the_name_is_unique(self):
        MacroFactory(name="Close as duplicate", status=Status.CLOSED)
        assert "name" in errors_of(Macro(name="Close as duplicate", status=Status.CLOSED))

    def test_a_status_or_priority_outside_the_choices_is_refused(self):
        errors = errors_of(Macro(name="Bad", status="done", priority="P9"))
        assert set(errors) >= {"status", "priority"}

    def test_tag_names_are_normalized_once_each_in_order(self):
        assert tag_names(" VPN , Billing issue,vpn,, ") == ["vpn", "billing-issue"]


class TestRender:
    def test_each_known_placeholder_is_filled_in(self):
        macro = Macro(
            reply="Hello {requester_name} <{requester_email}>, {ticket_number}: {ticket_subject}. {agent_name}"
        )
        values = {
            "requester_name": "Cara",
            "requester_email": "cara@example.com",
            "ticket_number": "TICK-1",
            "ticket_subject": "VPN",
            "agent_name": "Alex",
        }
        assert macro.render(values) == "Hello Cara <cara@example.com>, TICK-1: VPN. Alex"

    def test_a_value_is_never_read_as_a_placeholder_or_a_format_field(self):
        macro = Macro(reply="Subject: {ticket_subject} by {agent_name} {0} {ticket_subject.__class__}")
        rendered = macro.render({"ticket_subject": "{agent_name} {requester_email}", "agent_name": "Alex"})
        assert rendered == "Subject: {agent_name} {requester_email} by Alex {0} {ticket_subject.__class__}"


# Canned responses became macros in migration 0030: none may be lost on the way, nor on the way back.
BEFORE = [("tickets", "0022_report_overdue_indexes")]
AFTER = [("tickets", "0025_macros")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_canned_response_becomes_a_macro_and_back_again():
    author = UserFactory(email="maya@example.com")
    try:
        old = migrate(BEFORE)
        canned = old.get_model("tickets", "CannedResponse")
        canned.objects.create(
            title="Need more information",
            body="Hello {requester_name}, a screenshot of {ticket_number} please.\n\n{agent_name}",
            status=Status.PENDING,
            priority=Priority.HIGH,
            created_by_id=author.pk,
        )
        canned.objects.create(title="Escalated to engineering", body="Sent to the engineers.", is_internal=True)
        canned.objects.create(title="Old greeting", body="Hi!", is_active=False)
        canned.objects.filter(title="Old greeting").update(
            created_at="2024-01-02T03:04:05Z", updated_at="2024-02-03T04:05:06Z"
        )
        rows = list(canned.objects.values_list("title", "body", "status", "priority", "is_internal", "is_active"))
        dates = dict(canned.objects.values_list("title", "created_at"))

        new = migrate(AFTER)
        macro = new.get_model("tickets", "Macro")
        fields = ("name", "reply", "status", "priority", "reply_is_internal", "is_active")
        assert sorted(macro.objects.values_list(*fields)) == sorted(rows)
        assert dict(macro.objects.values_list("name", "created_at")) == dates
        assert macro.objects.get(name="Old greeting").updated_at.isoformat() == "2024-02-03T04:05:06+00:00"
        assert macro.objects.get(name="Need more information").created_by_id == author.pk
        # Only replies: no other action came from nowhere.
        assert not macro.objects.exclude(add_tags="", remove_tags="", assign_to_me=False, assignee=None, team=None)
        assert macro.objects.filter(teams__isnull=False).count() == 0  # shared with everyone, as canned ones were

        back = migrate(BEFORE)
        restored = back.get_model("tickets", "CannedResponse")
        assert sorted(
            restored.objects.values_list("title", "body", "status", "priority", "is_internal", "is_active")
        ) == sorted(rows)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
