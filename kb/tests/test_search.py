"""Article search: PostgreSQL full text (stemmed, ranked, GIN-indexed) and the LIKE fallback on SQLite."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from kb.selectors import articles_visible_to, search_ranked
from kb.tests.factories import article

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="full text needs PostgreSQL")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the fallback runs on SQLite")


@pytest.fixture
def library(manager):
    return {
        "vpn": article(manager, title="Connecting to the VPN", body="Start the client and sign in."),
        "printer": article(manager, title="Printer paused", body="Resume the queue; the VPN is not involved."),
        "password": article(manager, title="Reset your password", body="Use the login page."),
        "draft": article(manager, title="VPN roadmap", body="Secret.", published=False),
    }


def found(term, *, any_word=False, reader=None):
    queryset = articles_visible_to(reader or AnonymousUser())
    return [a.title for a in search_ranked(queryset, term, any_word=any_word)]


def test_every_word_must_match(library):
    assert found("printer queue") == ["Printer paused"]
    assert found("password nothing-like-this") == []


def test_any_word_for_suggestions(library):
    assert sorted(found("password printer", any_word=True)) == ["Printer paused", "Reset your password"]


def test_a_term_of_only_operators_finds_nothing(library):
    assert found("or or", any_word=True) == []
    assert found("   ") == []


def test_customers_never_find_drafts_but_staff_do(library, agent):
    assert "VPN roadmap" not in found("vpn")
    assert "VPN roadmap" in found("vpn", reader=agent)


def test_odd_terms_do_not_fail(library):
    for term in ['"', "'", "!", "&", "|", ":*", "or", "-vpn", "vpn or", "(", "\\", "%", "_"]:
        found(term)
        found(term, any_word=True)


@on_sqlite
def test_sqlite_matches_substrings_newest_first(library):
    assert found("connect") == ["Connecting to the VPN"]
    assert found("vpn") == ["Printer paused", "Connecting to the VPN"]


@on_postgresql
def test_postgresql_stems_and_ranks_the_title_first(library):
    # "connects" and "connecting" share a stem; title words (weight A) outrank body words (B).
    assert found("connects") == ["Connecting to the VPN"]
    assert found("vpn") == ["Connecting to the VPN", "Printer paused"]
    assert found("printers paused") == ["Printer paused"]


@on_postgresql
def test_postgresql_uses_the_stored_vector_and_its_gin_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT is_generated FROM information_schema.columns "
            "WHERE table_name = 'kb_article' AND column_name = 'search_vector'"
        )
        assert cursor.fetchone() == ("ALWAYS",)
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'kb_article_search_vector_idx'")
        assert "USING gin (search_vector)" in cursor.fetchone()[0]


@on_postgresql
def test_postgresql_websearch_syntax(library):
    assert found('"reset your password"') == ["Reset your password"]
    assert found("vpn -printer") == ["Connecting to the VPN"]
