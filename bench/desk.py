"""The benchmark's desk: many tickets with replies on PostgreSQL, made by SQL in seconds, not hours.

Rows are made by one INSERT ... SELECT over generate_series per batch, tickets first and then their
replies, and a second run only tops up to the count. The words are chosen for search: every ticket
carries two of ``COMMON_WORDS`` (each in about one ticket in six), one in ``RARE_EVERY`` carries
``RARE_WORD``, and ``ABSENT_WORD`` is in none.
"""

from __future__ import annotations

import importlib

from django.db import connection, transaction

from accounts.models import Team, User
from accounts.roles import Role
from tickets.models import Category, SLAPolicy, Ticket

PREFIX = "BENCH-"
COMMON_WORDS = ("printer", "login", "password", "invoice", "network", "laptop")
RARE_WORD, RARE_EVERY = "kerberos", 20_000
ABSENT_WORD = "xylophone"
# Replies per ticket: id % 4 (0 to 3, 1.5 on average); the third is an internal note.
MAX_REPLIES = 3
# The migration that made milestones of a desk's existing tickets: the generator makes them the same way.
_MILESTONES = importlib.import_module("tickets.migrations.0021_milestones")


def _people(agents: int, customers: int) -> tuple[list[int], list[int], list[int]]:
    """Agents in teams, and customers to request tickets: made once, reused by later runs."""
    teams = []
    for index in range(max(1, agents // 5)):
        team, _ = Team.objects.get_or_create(slug=f"bench-team-{index}", defaults={"name": f"Bench team {index}"})
        teams.append(team)
    have = User.objects.filter(email__startswith="bench-agent-").count()
    User.objects.bulk_create(
        User(email=f"bench-agent-{i}@example.test", role=Role.AGENT, is_staff=True, full_name=f"Bench Agent {i}")
        for i in range(have, agents)
    )
    have = User.objects.filter(email__startswith="bench-customer-").count()
    User.objects.bulk_create(
        User(email=f"bench-customer-{i}@example.test", role=Role.CUSTOMER, full_name=f"Bench Customer {i}")
        for i in range(have, customers)
    )
    agent_ids = list(User.objects.filter(email__startswith="bench-agent-").order_by("pk").values_list("pk", flat=True))
    for index, team in enumerate(teams):
        team.members.add(*agent_ids[index :: len(teams)])
    customer_ids = list(User.objects.filter(email__startswith="bench-customer-").values_list("pk", flat=True))
    return agent_ids, customer_ids, [team.pk for team in teams]


def _optional_columns() -> dict[str, str]:
    """Columns later migrations added that the generator can fill (stored business durations)."""
    names = {field.column for field in Ticket._meta.concrete_fields if not field.generated}
    wanted = {
        "first_response_minutes": "CASE WHEN responded THEN fr_taken END",
        "resolution_minutes": "CASE WHEN status IN ('resolved', 'closed') THEN res_taken END",
    }
    return {column: expression for column, expression in wanted.items() if column in names}


def generate(count: int, *, seed: float = 0.42) -> int:
    """Add tickets until the benchmark holds ``count`` of them; returns how many were added."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    have = Ticket.objects.filter(number__startswith=PREFIX).count()
    if have >= count:
        return 0
    agents, customers, teams = _people(agents=50, customers=5000)
    categories = list(Category.objects.values_list("pk", flat=True))
    policy = SLAPolicy.objects.order_by("position", "pk").values_list("pk", flat=True).first()
    extra = _optional_columns()
    columns = ", ".join(extra)
    values = ", ".join(extra.values())
    # Only our own column names are formatted in (from _optional_columns); every value is a parameter.
    sql = f"""
        WITH raw AS (
            SELECT g,
                   -- In time order, as a desk's rows arrive: ticket g at its share of the year.
                   now() - interval '365 days' * (1 - g::float / %(total)s) - random() * interval '1 hour' AS created,
                   random() AS r_status, random() AS r_priority, random() AS r_response, random() AS r_resolve,
                   floor(random() * %(n_agents)s)::int + 1 AS agent_i,
                   floor(random() * %(n_customers)s)::int + 1 AS customer_i,
                   floor(random() * %(n_categories)s)::int + 1 AS category_i,
                   floor(random() * %(n_teams)s)::int + 1 AS team_i
            FROM generate_series(%(first)s, %(last)s) AS g
        ), shaped AS (
            SELECT raw.*,
                   CASE WHEN r_status < 0.45 THEN 'closed' WHEN r_status < 0.65 THEN 'resolved'
                        WHEN r_status < 0.72 THEN 'new' WHEN r_status < 0.80 THEN 'open'
                        WHEN r_status < 0.88 THEN 'in_progress' WHEN r_status < 0.93 THEN 'pending'
                        WHEN r_status < 0.96 THEN 'on_hold' WHEN r_status < 0.98 THEN 'escalated'
                        ELSE 'reopened' END AS status,
                   CASE WHEN r_priority < 0.1 THEN 'urgent' WHEN r_priority < 0.35 THEN 'high'
                        WHEN r_priority < 0.8 THEN 'medium' ELSE 'low' END AS priority,
                   (r_response * 600)::int AS fr_taken,
                   (r_resolve * 7200)::int AS res_taken
            FROM raw
        ), ready AS (
            SELECT shaped.*, status <> 'new' AS responded,
                   CASE priority WHEN 'urgent' THEN 120 WHEN 'high' THEN 240 WHEN 'medium' THEN 480 ELSE 1440 END
                       AS fr_min,
                   CASE priority WHEN 'urgent' THEN 1440 WHEN 'high' THEN 2880 WHEN 'medium' THEN 7200 ELSE 14400 END
                       AS res_min
            FROM shaped
        )
        INSERT INTO tickets_ticket (
            number, subject, description, status, priority, channel, environment, affected_service,
            impact_level, resolution_notes, sla_policy_id, sla_first_response_minutes, sla_resolution_minutes,
            first_response_due_at, resolution_due_at, first_responded_at, first_response_stopped_at,
            first_response_breached,
            resolution_breached, first_response_at_risk, resolution_at_risk, resolved_at, closed_at,
            status_changed_at, created_at, updated_at, version, assignee_id, category_id, requester_id,
            team_id {", " + columns if columns else ""}
        )
        SELECT %(prefix)s || lpad(g::text, 8, '0'),
               initcap((%(words)s::text[])[1 + g %% %(n_words)s])
                   || ' ' || (%(words)s::text[])[1 + (g / 7) %% %(n_words)s]
                   || CASE WHEN g %% %(rare_every)s = 7 THEN ' ' || %(rare)s ELSE '' END || ' ticket ' || g,
               'Generated for the benchmark: the '
                   || (%(words)s::text[])[1 + (g / 3) %% %(n_words)s] || ' again.',
               status, priority, 'api', '', '', '', '', %(policy)s, fr_min, res_min,
               created + make_interval(mins => fr_min), created + make_interval(mins => res_min),
               CASE WHEN responded THEN created + make_interval(mins => fr_taken) END,
               CASE WHEN responded THEN created + make_interval(mins => fr_taken) END,
               responded AND fr_taken > fr_min, status IN ('resolved', 'closed') AND res_taken > res_min,
               false, false,
               CASE WHEN status IN ('resolved', 'closed') THEN created + make_interval(mins => res_taken) END,
               CASE WHEN status = 'closed' THEN created + make_interval(mins => res_taken + 1440) END,
               created + make_interval(mins => fr_taken), created, created + make_interval(mins => res_taken), 1,
               CASE WHEN status = 'new' THEN NULL ELSE (%(agents)s::bigint[])[agent_i] END,
               (%(categories)s::bigint[])[category_i], (%(customers)s::bigint[])[customer_i],
               (%(teams)s::bigint[])[team_i] {", " + values if values else ""}
        FROM ready
    """  # noqa: S608
    added = 0
    batch = 100_000
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        for first in range(have + 1, count + 1, batch):
            last = min(first + batch - 1, count)
            with transaction.atomic():
                cursor.execute(
                    sql,
                    {
                        "first": first,
                        "total": count,
                        "last": last,
                        "prefix": PREFIX,
                        "policy": policy,
                        "agents": agents,
                        "customers": customers,
                        "categories": categories,
                        "teams": teams,
                        "n_agents": len(agents),
                        "n_customers": len(customers),
                        "n_categories": len(categories),
                        "n_teams": len(teams),
                        "words": list(COMMON_WORDS),
                        "n_words": len(COMMON_WORDS),
                        "rare": RARE_WORD,
                        "rare_every": RARE_EVERY,
                    },
                )
                numbers = {"first": f"{PREFIX}{first:08d}", "last": f"{PREFIX}{last:08d}"}
                cursor.execute(_REPLIES, numbers)
                # What the reports count: the milestones these rows reached, as the migration writes them.
                _MILESTONES.backfill(cursor, "t.number BETWEEN %(first)s AND %(last)s", numbers)
            added += last - first + 1
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("ANALYZE tickets_comment")
        cursor.execute("ANALYZE tickets_milestone")
    return added


# The replies of a batch's tickets (numbers between first and last), in the conversation's order.
_REPLIES = f"""
    INSERT INTO tickets_comment (ticket_id, author_id, body, is_internal, created_at)
    SELECT t.id,
           CASE WHEN k = 2 THEN t.requester_id ELSE coalesce(t.assignee_id, t.requester_id) END,
           'Reply ' || k || ' on ' || t.subject, k = 3 AND t.assignee_id IS NOT NULL,
           t.created_at + k * interval '1 hour'
    FROM tickets_ticket t CROSS JOIN generate_series(1, {MAX_REPLIES}) AS k
    WHERE t.number BETWEEN %(first)s AND %(last)s AND k <= t.id %% 4
"""  # noqa: S608 - MAX_REPLIES is our constant; the numbers are parameters
