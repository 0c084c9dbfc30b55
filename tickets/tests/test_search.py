"""Ticket search: the same answers whether a word is rare (ids from the index first) or common (walked)."""

import pytest

from tickets import services
from tickets.api import filters
from tickets.tests.factories import category


@pytest.fixture
def desk(customer):
    made = {}
    for index in range(5):
        made[f"printer {index}"] = services.ticket_create(
            actor=customer, subject=f"Printer jams again {index}", category=category()
        )
    made["kerberos"] = services.ticket_create(actor=customer, subject="Kerberos ticket expired", category=category())
    return made


def subjects(client, term):
    response = client.get("/api/v1/tickets", {"search": term, "page_size": 50})
    assert response.status_code == 200
    return [row["subject"] for row in response.json()["results"]]


# (RARE_MATCHES, COMMON_IN_RECENT): printer from the GIN index; past the ids' bound; common among the newest
PATHS = [(2000, 50), (2, 50), (2000, 2)]


@pytest.mark.django_db
@pytest.mark.parametrize(("rare_matches", "common_in_recent"), PATHS)
def test_rare_and_common_words_find_the_same_tickets_newest_first(
    api, agent, desk, monkeypatch, rare_matches, common_in_recent
):
    monkeypatch.setattr(filters, "RARE_MATCHES", rare_matches)
    monkeypatch.setattr(filters, "COMMON_IN_RECENT", common_in_recent)
    client = api(agent)

    assert subjects(client, "printer") == [f"Printer jams again {index}" for index in reversed(range(5))]
    assert subjects(client, "kerberos") == ["Kerberos ticket expired"]
    assert subjects(client, "xylophone") == []
    number = desk["kerberos"].number
    assert subjects(client, number.lower()) == ["Kerberos ticket expired"]


@pytest.mark.django_db
@pytest.mark.parametrize(("rare_matches", "common_in_recent"), PATHS)
def test_search_keeps_the_other_filters_and_what_the_caller_may_see(
    api, agent, customer, other_customer, desk, monkeypatch, rare_matches, common_in_recent
):
    monkeypatch.setattr(filters, "RARE_MATCHES", rare_matches)
    monkeypatch.setattr(filters, "COMMON_IN_RECENT", common_in_recent)
    services.ticket_create(actor=other_customer, subject="Printer of someone else", category=category())
    services.ticket_close(actor=agent, ticket=desk["printer 1"])

    closed = api(customer).get("/api/v1/tickets", {"search": "printer", "status": "closed"}).json()["results"]
    assert [row["subject"] for row in closed] == ["Printer jams again 1"]
    assert "Printer of someone else" not in subjects(api(customer), "printer")
    assert subjects(api(other_customer), "printer") == ["Printer of someone else"]


@pytest.fixture
def ranked(customer):
    """Three tickets where "printer" matters more and more (once in the text, in the subject, everywhere),
    made in another order than their rank: oldest the best, then the weakest, newest the middle one."""
    everywhere = services.ticket_create(
        actor=customer,
        subject="Printer printer printer",
        description="The printer again: printer queue, printer driver.",
        category=category(),
    )
    once = services.ticket_create(
        actor=customer, subject="Screen flickers", description="Near the printer.", category=category()
    )
    subject = services.ticket_create(actor=customer, subject="Printer offline", category=category())
    services.ticket_create(actor=customer, subject="Unrelated", category=category())
    return {"by_rank": [everywhere.subject, subject.subject, once.subject],
            "newest_first": [subject.subject, once.subject, everywhere.subject]}  # fmt: skip


def pages(client, params):
    """Every row of every page, following next."""
    seen, url = [], "/api/v1/tickets"
    while url:
        response = client.get(url, params if url == "/api/v1/tickets" else None)
        assert response.status_code == 200, response.content
        seen += [row["subject"] for row in response.json()["results"]]
        url = response.json()["next"]
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize(("rare_matches", "common_in_recent"), PATHS)
def test_relevance_puts_the_best_matches_first_across_pages(
    api, agent, ranked, monkeypatch, settings, rare_matches, common_in_recent
):
    monkeypatch.setattr(filters, "RARE_MATCHES", rare_matches)
    monkeypatch.setattr(filters, "COMMON_IN_RECENT", common_in_recent)
    client = api(agent)
    best_first = pages(client, {"search": "printer", "ordering": "relevance", "page_size": 1})
    worst_first = pages(client, {"search": "printer", "ordering": "-relevance", "page_size": 1})
    if filters.connection.vendor == "postgresql":
        # Past RARE_MATCHES only the newest RARE_MATCHES matches are ranked: 2 of the 3 here.
        expected = ranked["by_rank"] if rare_matches >= 3 else [ranked["newest_first"][0], ranked["newest_first"][1]]
        assert best_first == expected
        assert worst_first == list(reversed(expected))
    else:  # no ranking on SQLite: every match, newest first (oldest first backwards)
        assert best_first == ranked["newest_first"]
        assert worst_first == list(reversed(ranked["newest_first"]))
    assert client.get("/api/v1/tickets", {"ordering": "relevance"}).json()["code"] == "VALIDATION_ERROR"
