"""The rule builder in a real browser: an admin builds "urgent from Acme → Platform Ops, tell the lead" from
rows of selects in words (no JSON typed), the rule then acts on a real ticket, and the server's refusal of a
wrong rule is shown on the row it names."""

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from accounts.models import Organization
from accounts.roles import Role
from accounts.tests.factories import PASSWORD, TeamFactory, UserFactory
from automations.engine import ACTIVE_KEY
from automations.models import Rule
from tickets import services
from tickets.models import Notification, NotificationKind
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def desk():
    cache.delete(ACTIVE_KEY)
    UserFactory(email="admin@example.com", full_name="Ada Admin", role=Role.ADMIN)
    lead = UserFactory(email="olga@example.com", full_name="Olga Ops", role=Role.TEAM_LEAD)
    platform_ops = TeamFactory(name="Platform Ops", lead=lead, members=[lead])
    TeamFactory(name="Billing")
    acme = Organization.objects.create(name="Acme", slug="acme")
    buyer = UserFactory(email="buyer@acme.example", role=Role.CUSTOMER, organization=acme)
    yield platform_ops, buyer
    cache.delete(ACTIVE_KEY)


def add_row(page: Page, builder: str, button: str):
    page.locator(builder).get_by_role("button", name=button).click()
    return page.locator(f"{builder} li.hd-rb-row").last


def condition(page: Page, field: str):
    """A new row of "All of these" about ``field`` (chosen by its words)."""
    row = add_row(page, "#rb-conditions", "Add a condition")
    row.get_by_label("Field").select_option(label=field)
    return row


def action(page: Page, kind: str):
    """A new action row doing ``kind`` (chosen by its words)."""
    row = add_row(page, "#rb-actions", "Add an action")
    row.get_by_label("Action", exact=True).select_option(label=kind)
    return row


def test_an_admin_builds_a_trigger_with_the_builder_and_it_fires(page, live_server, login, screenshot, desk):
    platform_ops, buyer = desk
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto("/admin/automations/rule/add/")
    expect(page.locator("textarea[name=conditions]")).to_be_hidden()  # the builder stands in for the JSON
    page.get_by_label("Name").fill("Urgent from Acme to Platform Ops")
    page.get_by_label("Ticket created").check()

    first = condition(page, "Priority")
    expect(first.get_by_label("Operator").locator("option")).to_have_text(
        ["is", "is not", "is one of", "is not one of"]
    )
    first.get_by_label("Value").select_option(label="Urgent")
    second = condition(page, "Requester email")
    second.get_by_label("Operator").select_option(label="ends with")
    second.get_by_label("Value").fill("@acme.example")

    team = action(page, "Set team")
    team.get_by_label("Value").select_option(label="Platform Ops")
    notify = action(page, "Notify")
    notify.get_by_label("The team's lead").check()
    notify.get_by_label("Message").fill("Urgent ")
    notify.get_by_role("button", name="Insert {ticket_number}").click()
    notify.get_by_label("Message").press("End")
    notify.get_by_label("Message").press_sequentially(" from Acme")
    screenshot(page, "rule-builder")

    # The kind switch: an automation has no "Runs on" and no "Comment is".
    page.get_by_label("Kind").select_option("automation")
    expect(page.locator(".field-events")).to_be_hidden()
    expect(first.get_by_label("Field").locator("option[value=comment]")).to_be_hidden()
    page.get_by_label("Kind").select_option("trigger")
    expect(page.locator(".field-events")).to_be_visible()

    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    expect(page.locator("#result_list")).to_contain_text("Urgent from Acme to Platform Ops")
    rule = Rule.objects.get()
    assert rule.conditions == [
        {"field": "priority", "op": "is", "value": "urgent"},
        {"field": "requester_email", "op": "ends_with", "value": "@acme.example"},
    ]
    assert rule.actions == [
        {"type": "set_team", "value": platform_ops.pk},
        {"type": "notify", "recipients": ["team_lead"], "message": "Urgent {ticket_number} from Acme"},
    ]

    ticket = services.ticket_create(actor=buyer, subject="Site down", category=category(), priority="urgent")
    ticket.refresh_from_db()
    assert ticket.team == platform_ops
    told = Notification.objects.get(ticket=ticket, kind=NotificationKind.RULE_NOTICE)
    assert told.recipient == platform_ops.lead and told.body == f"Urgent {ticket.number} from Acme"

    # Back on the rule: the builder reads the stored JSON into rows.
    page.goto(f"/admin/automations/rule/{rule.pk}/change/")
    rows = page.locator("#rb-conditions li.hd-rb-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_label("Value")).to_have_value("@acme.example")
    expect(page.locator("#rb-actions li.hd-rb-row").nth(0).get_by_label("Value")).to_have_value(str(platform_ops.pk))


def test_the_servers_refusal_is_shown_on_the_row_it_names(page, live_server, login, screenshot, desk):
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto("/admin/automations/rule/add/")
    page.get_by_label("Kind").select_option("automation")
    page.get_by_label("Name").fill("Close stale pending")
    status = condition(page, "Status")
    status.get_by_label("Value").select_option("pending")
    waited = condition(page, "Time since the status changed")
    waited.get_by_label("Amount").fill("7")
    waited.get_by_label("Unit").select_option("days")
    reply = action(page, "Add a public reply or internal note")
    reply.get_by_label("Text").fill("Closing {ticket_nmber}: we did not hear back.")
    close = action(page, "Set status")
    close.get_by_label("Value").select_option("closed")
    page.locator("input[name=_save]").click()

    message = "Action 1: unknown placeholder ticket_nmber"
    expect(page.locator(".field-actions .errorlist")).to_be_hidden()  # shown on its row instead
    first = page.locator("#rb-actions li.hd-rb-row").first
    expect(first.locator(".hd-rb-error")).to_contain_text(message)
    expect(first.get_by_label("Text")).to_have_attribute(
        "aria-describedby", first.locator(".hd-rb-error").get_attribute("id")
    )
    expect(page.locator(".field-events")).to_be_hidden()  # still an automation
    screenshot(page, "rule-builder-error")
    assert not Rule.objects.exists()

    # Fixed in the row, saved; 7 days are stored as minutes.
    first.get_by_label("Text").fill("Closing {ticket_number}: we did not hear back.")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    rule = Rule.objects.get()
    assert rule.conditions[1] == {"field": "minutes_since_status_changed", "op": "gt", "value": 7 * 24 * 60}
    assert rule.actions[0]["body"] == "Closing {ticket_number}: we did not hear back."


def test_the_builder_works_from_the_keyboard_on_a_phone(page, live_server, login, screenshot, desk):
    login(page, live_server, "admin@example.com", PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin/automations/rule/add/")
    page.locator("#rb-conditions").get_by_role("button", name="Add a condition").focus()
    page.keyboard.press("Enter")
    condition = page.locator("#rb-conditions li.hd-rb-row").first
    expect(condition.get_by_label("Field")).to_be_focused()
    condition.get_by_label("Field").select_option(label="Status")
    condition.get_by_label("Operator").select_option(label="is one of")
    condition.get_by_label("Pending (waiting on requester)").check()
    page.locator("#rb-actions").get_by_role("button", name="Add an action").focus()
    page.keyboard.press("Enter")
    action = page.locator("#rb-actions li.hd-rb-row").first
    expect(action.get_by_label("Action", exact=True)).to_be_focused()
    action.get_by_label("Action", exact=True).select_option(label="Notify")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    screenshot(page, "rule-builder-phone")
    assert '"value": [\n      "new",\n      "pending"\n    ]' in page.locator("textarea[name=conditions]").input_value()

    action.get_by_role("button", name="Remove action 1").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#rb-actions li.hd-rb-row")).to_have_count(0)
    expect(page.locator("#rb-actions").get_by_role("button", name="Add an action")).to_be_focused()


def test_the_json_stays_at_hand_for_what_the_builder_cannot_show(page, live_server, login, desk):
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto("/admin/automations/rule/add/")
    any_of = page.locator("#rb-any_conditions")
    any_of.get_by_role("button", name="Edit as JSON").click()
    textarea = page.locator("textarea[name=any_conditions]")
    expect(textarea).to_be_visible()
    textarea.fill(
        '[{"field": "tag", "op": "includes", "value": "vip"}, {"field": "sla", "op": "is", "value": "breached"}]'
    )
    any_of.get_by_role("button", name="Use the builder").click()
    expect(textarea).to_be_hidden()
    rows = any_of.locator("li.hd-rb-row")
    expect(rows.nth(0).get_by_label("Operator")).to_have_value("includes")
    expect(rows.nth(1).get_by_label("Value")).to_have_value("breached")

    any_of.get_by_role("button", name="Edit as JSON").click()
    textarea.fill('[{"field": "mood", "op": "is"}')  # not JSON: the builder leaves it to the textarea
    any_of.get_by_role("button", name="Use the builder").click()
    expect(textarea).to_be_visible()
    expect(any_of.locator(".hd-rb-note")).to_have_text("The builder cannot show this; edit the JSON.")


def test_custom_fields_and_webhooks_are_chosen_by_name(page, live_server, login, desk):
    from tickets.models import CustomField
    from webhooks.models import Endpoint

    CustomField.objects.create(label="Invoice number", key="invoice_number", type="text")
    CustomField.objects.create(label="Plan", key="plan", type="dropdown", choices=["free", "pro"])
    chat = Endpoint.objects.create(name="Chat tool", url="https://chat.example/hook", events=[])
    login(page, live_server, "admin@example.com", PASSWORD)
    page.goto("/admin/automations/rule/add/")
    page.get_by_label("Name").fill("Tell the chat tool about breaches")
    page.get_by_label("SLA breached").check()
    breached = condition(page, "SLA state")
    breached.get_by_label("Value").select_option(label="breached")
    plan = condition(page, "Plan")
    expect(plan.get_by_label("Operator").locator("option")).to_have_text(["is"])
    plan.get_by_label("Value").select_option("pro")
    hook = action(page, "Send webhook")
    hook.get_by_label("Webhook endpoint").select_option(label="Chat tool")
    field = action(page, "Set custom field")
    field.get_by_label("Custom field").select_option(label="Invoice number")
    field.get_by_label("Value").fill("INV-7")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    rule = Rule.objects.get()
    assert (rule.events, rule.conditions) == (
        ["sla_breached"],
        [{"field": "sla", "op": "is", "value": "breached"}, {"field": "cf:plan", "op": "is", "value": "pro"}],
    )
    assert rule.actions == [
        {"type": "webhook", "endpoint": chat.pk},
        {"type": "set_field", "key": "invoice_number", "value": "INV-7"},
    ]
