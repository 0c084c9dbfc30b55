"""``make bench-load`` and ``make bench-compare`` without their virtualenvs: what the load asks answers 2xx,
the credentials the runs hand out sign in, locust's figures are read right, and the comparison desk
maps every status and priority the product has.

The runs themselves need locust and django-helpdesk installed from the registry, so the suite does
not start them.
"""

import importlib
import json
import random
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client

from bench import live
from bench.load.__main__ import read_stats
from bench.load.workload import SUBJECT_PREFIX, WEIGHTS, Agent
from tickets.choices import Priority, Status
from tickets.models import Comment, Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db
WORDS = {"common": ["printer", "login"], "rare": "kerberos", "absent": "xylophone"}


def _send(client, request):
    if request.body is None:
        return client.generic(request.method, request.path)
    return client.generic(request.method, request.path, json.dumps(request.body), content_type="application/json")


def test_every_kind_of_request_in_the_load_answers_2xx(api, admin_user):
    tickets = [TicketFactory(subject=f"Printer broken {n}").pk for n in range(3)]
    client = api(admin_user)
    agent = Agent(tickets=tickets, category="general", words=WORDS, rng=random.Random(7))

    for kind in WEIGHTS:  # create comes before status, which moves the ticket created
        request = getattr(agent, kind)()
        response = _send(client, request)
        assert 200 <= response.status_code < 300, (kind, request, response.content[:300])
        agent.answered(request, response.status_code, response.json())

    assert Ticket.objects.filter(subject__startswith=SUBJECT_PREFIX, status="open").count() == 1
    assert Comment.objects.filter(body__startswith="Load reply", ticket_id__in=tickets).count() == 1


def test_an_agent_moves_only_its_own_tickets_round_the_workflow(api, admin_user):
    client = api(admin_user)
    agent = Agent(tickets=[TicketFactory().pk], category=None, words=WORDS, rng=random.Random(3))
    assert agent.status() is None  # nothing of its own yet

    created = _send(client, agent.create())
    agent.answered(agent.create(), created.status_code, created.json())
    seen = [agent.own[created.json()["id"]]]
    for _ in range(4):
        request = agent.status()
        response = _send(client, request)
        assert response.status_code == 200, response.content[:300]
        agent.answered(request, response.status_code, response.json())
        seen.append(response.json()["status"])

    assert seen == ["new", "open", "in_progress", "open", "in_progress"]
    assert list(agent.own) == [created.json()["id"]]


def test_the_mix_draws_every_kind_by_its_weight():
    agent = Agent(tickets=[1], category=None, words=WORDS, rng=random.Random(1))
    agent.own = {5: "open"}
    drawn = Counter(agent.next().name for _ in range(4000))

    assert set(drawn) == set(WEIGHTS)
    share = {kind: drawn[kind] / 4000 for kind in WEIGHTS}
    total = sum(WEIGHTS.values())
    assert all(abs(share[kind] - weight / total) < 0.03 for kind, weight in WEIGHTS.items()), share


def test_the_credentials_of_a_run_sign_in_by_session_and_by_jwt(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    TicketFactory(number="BENCH-00000001")
    TicketFactory(number="BENCH-00000051")

    given = live._credentials()

    assert sorted(given["tickets"]) == sorted(Ticket.objects.values_list("pk", flat=True))
    assert given["category"] and given["words"]["absent"] == "xylophone"
    by_session = Client()
    by_session.cookies[settings.SESSION_COOKIE_NAME] = given["session"]
    assert by_session.get("/api/v1/tickets").status_code == 200
    by_token = Client(HTTP_AUTHORIZATION=f"Bearer {given['token']}")
    assert by_token.get(f"/api/v1/tickets/{given['tickets'][0]}").status_code == 200
    assert Client().get("/api/v1/tickets").status_code == 401


def test_locust_figures_are_read_from_its_histograms():
    entries = [
        {"name": "list", "num_requests": 100, "num_failures": 0, "start_time": 1000.0,
         "last_request_timestamp": 1010.0, "response_times": {"10": 50, "20": 49, "300": 1}},
        {"name": "create", "num_requests": 10, "num_failures": 2, "start_time": 1001.0,
         "last_request_timestamp": 1009.0, "response_times": {"40": 9, "1000": 1}},
    ]  # fmt: skip

    rows = {row["name"]: row for row in read_stats(entries)}

    assert [row["name"] for row in read_stats(entries)] == ["list", "create", "total"]
    assert (rows["list"]["p50_ms"], rows["list"]["p99_ms"], rows["list"]["rps"]) == (10, 20, 10)
    assert (rows["create"]["p50_ms"], rows["create"]["p99_ms"]) == (40, 1000)
    total = rows["total"]
    assert (total["requests"], total["failures"], total["rps"]) == (110, 2, 11)
    assert (total["p50_ms"], total["p99_ms"]) == (20, 300)


def test_the_desks_are_named_as_make_bench_names_them(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench")
    assert live.desk_url("1m") == "postgres://postgres@127.0.0.1:5432/helpdesk_bench_1m"
    monkeypatch.delenv("DATABASE_URL")
    assert live.desk_url("10k") == "postgres://postgres@127.0.0.1:5432/helpdesk_bench_10k"


def test_the_comparison_desk_maps_every_status_and_priority_of_the_product(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(live.ROOT) / "bench/compare/site"))
    desk = importlib.import_module("compare_site.desk")
    try:
        assert set(desk.STATUSES) == set(Status.values)
        assert set(desk.PRIORITIES) == set(Priority.values)
        # django-helpdesk's statuses: 1 open, 2 reopened, 3 resolved, 4 closed; priorities 1 (highest) to 5.
        assert {status for status, _ in desk.STATUSES.values()} == {1, 2, 3, 4}
        assert desk.PRIORITIES["urgent"] < desk.PRIORITIES["low"] <= 5
    finally:
        sys.modules.pop("compare_site.desk", None)
        sys.modules.pop("compare_site", None)
