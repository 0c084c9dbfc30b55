"""Automation rules: triggers (on ticket changes) and time-based automations, and what they did.

A rule is a name, an order, conditions (``conditions.py``: all of ``conditions`` and, when given,
at least one of ``any_conditions``) and actions (``actions.py``), stored as validated JSON lists
so an admin composes them in the console without code. A trigger also names the ticket changes
it listens to (``events``); an automation is run by beat over the tickets its conditions select,
durations included ("pending for more than 7 days").

Every time a rule acts on a ticket a ``Firing`` is written with the change (a trigger) or the
episode (an automation) it acted on, unique per rule and ticket: that uniqueness is what makes a
rule fire once and only once per change, however often the work is retried.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleKind(models.TextChoices):
    TRIGGER = "trigger", _("Trigger (on ticket changes)")
    AUTOMATION = "automation", _("Automation (time-based)")


class TriggerEvent(models.TextChoices):
    CREATED = "created", _("Ticket created")
    UPDATED = "updated", _("Ticket updated (fields, priority, assignment)")
    COMMENTED = "commented", _("Comment added")
    STATUS_CHANGED = "status_changed", _("Status changed")
    SLA_AT_RISK = "sla_at_risk", _("SLA at risk")
    SLA_BREACHED = "sla_breached", _("SLA breached")


class Rule(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=RuleKind.choices, default=RuleKind.TRIGGER)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("order"), default=0, help_text=_("Rules run in this order, lowest first."))
    events = models.JSONField(_("runs on"), default=list, blank=True)
    conditions = models.JSONField(_("all of these"), default=list, blank=True)
    any_conditions = models.JSONField(_("and any of these"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        indexes = [models.Index(fields=["kind", "is_active", "position"], name="rule_kind_active_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(kind__in=RuleKind.values), name="rule_kind_valid")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from automations.actions import clean_actions
        from automations.conditions import clean_conditions

        errors: dict[str, list[str]] = {}
        for field, check in (
            ("conditions", lambda: clean_conditions(self.conditions, kind=self.kind)),
            ("any_conditions", lambda: clean_conditions(self.any_conditions, kind=self.kind)),
            ("actions", lambda: clean_actions(self.actions)),
        ):
            try:
                setattr(self, field, check())
            except ValidationError as exc:
                errors[field] = exc.messages
        if self.kind == RuleKind.TRIGGER:
            unknown = [event for event in self.events or [] if event not in TriggerEvent.values]
            if not self.events:
                errors["events"] = [str(_("A trigger runs on at least one kind of change."))]
            elif unknown:
                errors["events"] = [
                    str(_("Not a kind of change: %(names)s.") % {"names": ", ".join(map(str, unknown))})
                ]
        elif self.events:
            self.events = []
        if not self.actions and "actions" not in errors:
            errors["actions"] = [str(_("A rule does at least one thing."))]
        if errors:
            raise ValidationError(errors)


class Firing(models.Model):
    """One rule acting on one ticket: a trigger for one change, an automation for one episode."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    # A trigger: the change it answered ("change:<id>"); an automation: the episode ("status_changed_at:<iso>").
    key = models.CharField(_("change"), max_length=80)
    # An automation: the instant its episode counts from (the anchor of its duration condition).
    episode = models.DateTimeField(_("episode"), null=True, blank=True)
    at = models.DateTimeField(_("time"))
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    done = models.JSONField(_("actions done"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "ticket", "key"], name="firing_once_per_change")]
        indexes = [
            models.Index(fields=["ticket", "-at"], name="firing_ticket_idx"),
            models.Index(fields=["rule", "ticket", "episode"], name="firing_episode_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} on {self.ticket_id}"


class PendingChange(models.Model):
    """A ticket change the triggers have yet to see: the outbox of ``engine.py``, written in the change's transaction.

    ``kinds`` are the trigger events the change made; ``depth`` counts the rules' own changes in
    a chain (0: a person's or the system's change); ``fired`` the rules that already fired in the
    chain, which do not fire again in it.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    kinds = models.JSONField(default=list)
    event_ids = models.JSONField(default=list)
    depth = models.PositiveSmallIntegerField(default=0)
    fired = models.JSONField(default=list)
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(done_at__isnull=True), name="pending_change_open_idx"
            )
        ]

    def __str__(self) -> str:
        return f"change of {self.ticket_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"
