"""A ticket made through the API reaches the receiver through the real broker and a real worker, once."""

from __future__ import annotations

import time

import pytest

from helpdesk.celery import app as celery_app
from tickets.tests.test_worker import running_worker, wait_for
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.tests.conftest import ALL_EVENTS


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_ticket_made_through_the_api_is_delivered_by_a_real_worker_once(api, customer, admin_user, receiver):
    endpoint = Endpoint.objects.create(name="Ops", url=receiver.url, events=ALL_EVENTS, owner=admin_user)
    receiver.secret = str(Endpoint.objects.get(pk=endpoint.pk).secret)
    # The delivery task goes to the suite's own default queue (conftest.py); empty it first.
    queue = celery_app.conf.task_default_queue
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_declare(queue)
        connection.default_channel.queue_purge(queue)
    with running_worker(queue, EMAIL_BACKEND="console") as worker:
        response = api(customer).post(
            "/api/v1/tickets", {"subject": "Fan is loud", "category": "general"}, format="json"
        )
        assert response.status_code == 201
        assert wait_for(lambda: len(receiver.received) >= 1, worker)
        assert wait_for(lambda: Delivery.objects.get().status == DeliveryStatus.DELIVERED, worker)
        time.sleep(1)  # anything sent twice would arrive now
    [got] = receiver.received
    assert got.signature_ok and got.event == "ticket.created"
    assert got.json["ticket"]["number"] == response.json()["number"]
    assert Delivery.objects.get().attempt_log.count() == 1
