"""Ticket list filters, full-text search and ordering (with seed 004's ``sort_by``/``order``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, FloatField, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from helpdesk.api.fields import parse_id
from helpdesk.api.filters import MultiValueFilter, UtcDateTimeFilter, ordering_terms
from tickets import workflow
from tickets.api.serializers import category_key
from tickets.choices import parse_priority, parse_status
from tickets.custom_fields import parse_filters
from tickets.models import Tag, Ticket
from tickets.selectors import sla_breached_condition

# Public ordering names -> model fields. "priority" orders by rank: ascending puts urgent first.
ORDERING_FIELDS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "priority": "priority_rank",
    "status": "status",
    "number": "number",
    "subject": "subject",
    "due": "resolution_due_at",
    "resolution_due_at": "resolution_due_at",
    "first_response_due_at": "first_response_due_at",
    "relevance": "-relevance",
}
DEFAULT_ORDERING = ["-created_at"]


def _assignee(value: str) -> int | str | None:
    lowered = value.lower()
    if lowered in ("none", "null", "unassigned"):
        return "none"
    if lowered == "me":
        return "me"
    return parse_id(value)


def overdue_condition(now: Any) -> Q:
    """Active and breached at ``now``, by the one SLA rule (as the dashboard's overdue count)."""
    return Q(status__in=workflow.ACTIVE_STATUSES) & sla_breached_condition(now)


# A search matching at most this many tickets is answered from its GIN index: the ids first, then the
# page among them. A commoner one walks the list's own order testing each row. PostgreSQL cannot tell
# the two apart for a word it keeps no statistics on (it guessed 1% for a word in 0.005% of a million
# tickets, and walked 520,000 rows). Which one a word is, is found cheaply first: a word in at least
# COMMON_IN_RECENT of the newest RECENT tickets fills a page within about that many rows of the walk
# (building its GIN bitmap would cost more: 37 ms for a word in a third of a million tickets); at a
# million tickets a common word then takes 28 ms, a rare one 38 ms, an absent one 15 ms (make bench).
RARE_MATCHES = 2000
RECENT = 10_000
COMMON_IN_RECENT = 50


# ts_rank_cd of the ticket's stored vector: 0 to 1, higher first. float8 so a cursor's value compares equal.
RANK_SQL = 'ts_rank_cd("tickets_ticket"."search_vector", websearch_to_tsquery(\'english\', %s))::float8'


def ranked_search(queryset: QuerySet, term: str) -> QuerySet:
    """``queryset`` narrowed to ``term``'s matches, each with its ``relevance``.

    Ranking reads every candidate's vector, so it is bounded: all matches of a word in at most
    RARE_MATCHES tickets, else the newest RARE_MATCHES matches (a commoner word's best hits among its
    recent tickets, as a desk's searcher mostly wants). On SQLite every match ranks 0 (newest first).
    """
    term = term.strip()
    if connection.vendor != "postgresql":
        return queryset.filter(search_condition(term)).annotate(relevance=Value(0.0, output_field=FloatField()))
    ids = _few_matches(term)
    if ids is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM tickets_ticket WHERE search_vector @@ websearch_to_tsquery('english', %s)"
                " ORDER BY created_at DESC LIMIT %s",
                [term, RARE_MATCHES],
            )
            ids = [row[0] for row in cursor.fetchall()]
    rank = RawSQL(RANK_SQL, [term], output_field=FloatField())  # noqa: S611 - our SQL; the term is a parameter
    return queryset.filter(pk__in=ids).annotate(relevance=rank)


def search_condition(term: str) -> Q:
    """Full text on PostgreSQL (the stored, GIN-indexed ``search_vector``); words in any field on SQLite.

    A ticket number matches too, exactly (numbers are upper case: ``tick-20260101-0001`` finds it).
    """
    term = term.strip()
    exact_number = Q(number=term.upper())
    if connection.vendor == "postgresql":
        if (few := _few_matches(term)) is not None:
            return Q(pk__in=few)
        matches = RawSQL(
            '"tickets_ticket"."search_vector" @@ websearch_to_tsquery(\'english\', %s)',
            [term],
            output_field=BooleanField(),
        )
        return exact_number | Q(matches)
    words = Q()
    for word in term.split():
        words &= Q(subject__icontains=word) | Q(description__icontains=word) | Q(number__icontains=word)
    return Q(number__iexact=term) | words


def _few_matches(term: str) -> list[int] | None:
    """The ids of every ticket matching ``term`` when there are at most ``RARE_MATCHES``, else None.

    A word common among the newest tickets is None at once. Otherwise bitmap scans only (the GIN
    index and the number's), so a rare word never costs a table scan. The settings end with the
    transaction; inside an outer one (a test's) they are put back by hand.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM (SELECT search_vector FROM tickets_ticket ORDER BY created_at DESC LIMIT %s) recent"
            " WHERE search_vector @@ websearch_to_tsquery('english', %s) LIMIT %s",
            [RECENT, term, COMMON_IN_RECENT],
        )
        if len(cursor.fetchall()) >= COMMON_IN_RECENT:
            return None
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        try:
            cursor.execute(
                "SELECT id FROM tickets_ticket"
                " WHERE search_vector @@ websearch_to_tsquery('english', %s) OR number = %s LIMIT %s",
                [term, term.upper(), RARE_MATCHES + 1],
            )
            ids = [row[0] for row in cursor.fetchall()]
        finally:
            if nested:
                cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    return ids if len(ids) <= RARE_MATCHES else None


class TicketFilter(django_filters.FilterSet):
    status = MultiValueFilter(field_name="status", parse=parse_status)
    priority = MultiValueFilter(field_name="priority", parse=parse_priority)
    category = MultiValueFilter(field_name="category__slug", parse=category_key)
    team = MultiValueFilter(field_name="team_id", parse=parse_id)
    requester = MultiValueFilter(field_name="requester_id", parse=parse_id)
    assignee = MultiValueFilter(field_name="assignee", method="filter_assignee", parse=_assignee)
    tag = MultiValueFilter(field_name="tags__name", method="filter_tag", parse=lambda v: Tag.normalize(v) or None)
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_assignee(self, queryset: QuerySet, name: str, values: list[Any]) -> QuerySet:
        condition = Q()
        for value in values:
            if value == "none":
                condition |= Q(assignee__isnull=True)
            elif value == "me":
                condition |= Q(assignee_id=self.request.user.pk)
            else:
                condition |= Q(assignee_id=value)
        return queryset.filter(condition)

    def filter_tag(self, queryset: QuerySet, name: str, values: list[str]) -> QuerySet:
        # EXISTS rather than a join, so a ticket with two matching tags is listed once.
        tagged = Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"), tag__name__in=values)
        return queryset.filter(Exists(tagged))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = overdue_condition(timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        if _by_relevance(ticket_ordering(self.data)):
            return ranked_search(queryset, value)
        return queryset.filter(search_condition(value))

    @property
    def qs(self) -> QuerySet:
        ordering = ticket_ordering(self.data)
        if _by_relevance(ordering) and not str(self.data.get("search") or "").strip():
            raise ValidationError({"ordering": ["relevance orders search results: give search= too."]})
        queryset = super().qs
        # cf_<key>=: custom fields, whose names are the desk's data, not declared filters.
        for field_filter in parse_filters(self.request.user, self.data):
            queryset = queryset.filter(field_filter.condition())
        return queryset.order_by(*ordering)


def ticket_ordering(params: Any) -> list[str]:
    """``ordering=-priority,created_at``, or seed 004's ``sort_by=priority&order=asc``."""
    raw = params.get("ordering")
    if not raw and params.get("sort_by"):
        direction = (params.get("order") or "asc").lower()
        if direction not in ("asc", "desc"):
            raise ValidationError({"order": ["Use asc or desc."]})
        raw = ("-" if direction == "desc" else "") + params["sort_by"]
    return ordering_terms(raw, ORDERING_FIELDS) if raw else list(DEFAULT_ORDERING)


def _by_relevance(ordering: list[str]) -> bool:
    """``ordering=relevance``: the best search matches first (``-relevance``, the same read backwards)."""
    return any(term.lstrip("-") == "relevance" for term in ordering)
