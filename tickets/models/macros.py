"""Macros: a named set of actions an agent applies to tickets in one step.

A macro may write a reply (public or internal, with placeholders), set the status and the
priority, add and remove tags, and assign the ticket (to a person, to the agent applying it,
and/or to a team). Managers and admins write them; staff apply those shared with them
(``tickets.selectors.macros_for``) through ``tickets.services.macros``. They replaced the
canned responses of migration 0008: a canned response is a macro with only a reply.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import STAFF_ROLES
from tickets.choices import Priority, Status
from tickets.models.taxonomy import Tag

# The placeholders a macro's reply may use, and what each stands for.
PLACEHOLDERS = {
    "ticket_number": _("the ticket's number"),
    "ticket_subject": _("the ticket's subject"),
    "requester_name": _("the requester's name"),
    "requester_email": _("the requester's email address"),
    "agent_name": _("the name of the agent applying the macro"),
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """``text`` with each known placeholder replaced, in one pass: a value is never read as a placeholder."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def tag_names(text: str) -> list[str]:
    """Comma-separated tag names as ``Tag.normalize`` stores them, each once, in order."""
    names = (Tag.normalize(name) for name in (text or "").split(","))
    return list(dict.fromkeys(name for name in names if name))


class Macro(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True, help_text=_("When to use it, for the agents."))
    position = models.PositiveIntegerField(_("position"), default=0, help_text=_("Lower comes first in the lists."))
    is_active = models.BooleanField(_("active"), default=True)
    # Empty: every agent sees it. Otherwise only the members and leads of these teams (managers and admins see all).
    teams = models.ManyToManyField(
        "accounts.Team",
        blank=True,
        related_name="macros",
        verbose_name=_("teams"),
        help_text=_("Shared only with these teams' members and leads; leave empty to share it with everyone."),
    )
    # The actions, in the order they are applied: assignment, fields, the reply, then the status.
    assign_to_me = models.BooleanField(
        _("assign to the agent applying it"), default=False, help_text=_("Takes the ticket for whoever applies it.")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assign to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_active": True, "role__in": sorted(STAFF_ROLES)},
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("move to team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    priority = models.CharField(_("set priority"), max_length=10, choices=Priority.choices, blank=True)
    add_tags = models.CharField(_("add tags"), max_length=255, blank=True, help_text=_("Comma-separated."))
    remove_tags = models.CharField(_("remove tags"), max_length=255, blank=True, help_text=_("Comma-separated."))
    reply = models.TextField(
        _("reply"),
        blank=True,
        help_text=_(
            "Placeholders: {ticket_number}, {ticket_subject}, {requester_name}, {requester_email}, {agent_name}."
        ),
    )
    reply_is_internal = models.BooleanField(_("as an internal note"), default=False)
    status = models.CharField(_("set status"), max_length=16, choices=Status.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values) | models.Q(status=""), name="macro_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=Priority.values) | models.Q(priority=""), name="macro_priority_valid"
            ),
            models.CheckConstraint(
                condition=~(models.Q(assign_to_me=True) & models.Q(assignee__isnull=False)),
                name="macro_one_assignee",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if unknown := unknown_placeholders(self.reply):
            known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
            errors["reply"] = _("Unknown placeholder %(names)s. Use: %(known)s.") % {
                "names": ", ".join(unknown),
                "known": known,
            }
        if self.assign_to_me and self.assignee_id is not None:
            errors["assignee"] = _("Choose a person or “the agent applying it”, not both.")
        if both := sorted(set(tag_names(self.add_tags)) & set(tag_names(self.remove_tags))):
            errors["remove_tags"] = _("A tag cannot be both added and removed: %(names)s.") % {"names": ", ".join(both)}
        if not self.has_actions():
            errors["__all__"] = _(
                "A macro needs at least one action: a reply, a status, a priority, tags or an assignment."
            )
        if errors:
            raise ValidationError(errors)

    def has_actions(self) -> bool:
        return bool(
            self.reply.strip()
            or self.status
            or self.priority
            or tag_names(self.add_tags)
            or tag_names(self.remove_tags)
            or self.assign_to_me
            or self.assignee_id
            or self.team_id
        )

    def render(self, values: dict[str, str]) -> str:
        """The reply with each known placeholder replaced (``fill_placeholders``)."""
        return fill_placeholders(self.reply, values)
