"""The queue's filters: quick views, SLA state, assignee and tag."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from tickets import workflow
from tickets.access import team_ids_of
from tickets.choices import Status
from tickets.models import Tag, Ticket
from tickets.selectors import sla_at_risk_condition, sla_breached_condition

ACTIVE = Q(status__in=workflow.ACTIVE_STATUSES)


class ConditionFilter(admin.SimpleListFilter):
    """A filter whose choices each stand for a condition on tickets.

    Subclasses define ``conditions(request) -> {value: (label, Q)}``.
    """

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _condition) in self.conditions(request).items()]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        chosen = self.conditions(request).get(self.value() or "")
        return queryset if chosen is None else queryset.filter(chosen[1])


class QuickViewFilter(ConditionFilter):
    """The saved views an agent switches between all day; shown as tabs above the queue.

    Without a view the queue shows the active tickets (``active``) unless the request names a
    status or a time of its own (a status filter, a search, "resolved today"): resolved and
    closed tickets are there only when asked for, and ``all`` asks for everything.
    """

    title = _("view")
    parameter_name = "view"
    template = "admin/tickets/ticket/tab_filter.html"
    DEFAULT = "active"
    VIEWS = [
        ("active", _("Active tickets")),
        ("mine", _("My open tickets")),
        ("unassigned", _("Unassigned in my teams")),
        ("at_risk", _("At risk or breached")),
        ("all", _("All tickets")),
    ]
    # Kept for links made before the status tabs: the same as the "Pending" status tab.
    _HIDDEN = [("waiting", _("Waiting on customer"))]
    # Parameters that choose the statuses themselves: with one of them there is no default view.
    _OWN_STATUSES = ("status", "sla", "q", "created_at", "updated_at", "resolved_at", "closed_at")

    def conditions(self, request) -> dict[str, tuple[str, Q]]:
        user = request.user
        teams = team_ids_of(user)
        in_my_teams = Q(team_id__in=teams) if teams else Q()
        now = timezone.now()
        conditions = {
            # queue_group is 0 exactly for the active statuses, and leads ticket_queue_idx.
            "active": Q(queue_group=0),
            "mine": ACTIVE & Q(assignee_id=user.pk),
            "unassigned": ACTIVE & Q(assignee__isnull=True) & in_my_teams,
            "at_risk": ACTIVE & (sla_at_risk_condition(now) | sla_breached_condition(now)),
            "waiting": Q(status=Status.PENDING),
            "all": Q(),
        }
        return {key: (label, conditions[key]) for key, label in self.VIEWS + self._HIDDEN}

    @classmethod
    def current(cls, request) -> str:
        """The view the queue shows: the one asked for, else the default where it applies."""
        asked = request.GET.get(cls.parameter_name, "")
        if asked:
            return asked
        # A search finds done tickets too, but "assignee:name" asks for someone's work: still active.
        named = [name for name in request.GET if not (name == "q" and request.GET[name].startswith("assignee:"))]
        if any(name.startswith(cls._OWN_STATUSES) for name in named):
            return ""
        return cls.DEFAULT

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        chosen = self.conditions(request).get(self.current(request))
        return queryset if chosen is None else queryset.filter(chosen[1])


class SlaStateFilter(ConditionFilter):
    title = _("SLA")
    parameter_name = "sla"

    def conditions(self, request) -> dict[str, tuple[str, Q]]:
        now = timezone.now()
        breached, at_risk = sla_breached_condition(now), sla_at_risk_condition(now)
        running = Q(status__in=workflow.SLA_RUNNING)
        return {
            "ok": (_("On track"), running & ~breached & ~at_risk),
            "at_risk": (_("At risk"), at_risk),
            "breached": (_("Breached"), breached),
            "paused": (_("Paused"), Q(status__in=workflow.SLA_PAUSED) & ~breached),
            "met": (_("Met"), Q(status__in=workflow.SLA_STOPPED) & ~breached),
        }


class AssigneeFilter(admin.SimpleListFilter):
    """Me, nobody, and the people of my teams; anyone else by searching ``assignee:name``.

    Listing every staff member made a long list on a large desk; a manager or admin in no team
    sees the staff up to ``LISTED``.
    """

    title = _("assignee")
    parameter_name = "assignee"
    LISTED = 30

    def lookups(self, request, model_admin):
        user = request.user
        staff = User.objects.staff().exclude(pk=user.pk)
        if teams := team_ids_of(user):
            members = Team.members.through.objects.filter(team_id__in=teams).values("user_id")
            leads = Team.objects.filter(pk__in=teams).values("lead_id")
            staff = staff.filter(Q(pk__in=members) | Q(pk__in=leads))
        people = staff.order_by("full_name", "email").only("pk", "full_name", "email")[: self.LISTED]
        choices = [("me", _("Me")), ("none", _("Unassigned"))]
        return choices + [(str(person.pk), str(person)) for person in people]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "me":
            return queryset.filter(assignee_id=request.user.pk)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return [(tag.name, tag.name) for tag in Tag.objects.order_by("name").only("name")[:200]]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        # A subquery rather than a join: no duplicate rows, no DISTINCT over the queue.
        if value := self.value():
            return queryset.filter(pk__in=Ticket.tags.through.objects.filter(tag__name=value).values("ticket_id"))
        return queryset
