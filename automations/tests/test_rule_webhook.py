"""A rule's "webhook" action: a signed delivery to a receiver on 127.0.0.1, once per firing."""

from __future__ import annotations

import pytest

from automations.models import Rule
from tickets.services.tickets import ticket_create
from tickets.tests.factories import category
from webhooks.models import Endpoint, WebhookEvent
from webhooks.tests.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    server = Receiver().start()
    yield server
    server.stop()


def test_an_urgent_ticket_rule_tells_the_chat_tool_signed_and_once(receiver, admin_user, customer, eager):
    endpoint = Endpoint.objects.create(name="Chat", url=receiver.url, events=[], owner=admin_user)
    receiver.secret = str(Endpoint.objects.get(pk=endpoint.pk).secret)
    rule = Rule(
        name="Urgent to chat",
        events=["created"],
        conditions=[{"field": "priority", "op": "is", "value": "urgent"}],
        actions=[{"type": "add_tags", "value": ["paged"]}, {"type": "webhook", "endpoint": endpoint.pk}],
    )
    rule.full_clean()
    rule.save()

    ticket = ticket_create(actor=customer, subject="Down", category=category(), priority="urgent")
    ticket_create(actor=customer, subject="Slow", category=category(), priority="low")

    assert receiver.events() == [WebhookEvent.RULE_FIRED]  # the endpoint subscribes to nothing else
    sent = receiver.received[0]
    assert sent.signature_ok and sent.answered == 200  # the signature verifies with the endpoint's secret
    body = sent.json
    assert body["rule"] == {"id": rule.pk, "name": "Urgent to chat"}
    assert body["ticket"]["number"] == ticket.number and body["ticket"]["tags"] == ["paged"]


def test_a_rule_naming_a_missing_endpoint_is_refused_when_saved():
    rule = Rule(name="Nowhere", events=["created"], actions=[{"type": "webhook", "endpoint": 999}])
    with pytest.raises(Exception) as caught:
        rule.full_clean()
    assert caught.value.message_dict["actions"] == ["Action 1: there is no webhook endpoint 999."]
