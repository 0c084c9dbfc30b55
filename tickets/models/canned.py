"""Canned responses: stock replies agents insert into the reply box."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.choices import Priority, Status

# The placeholders a canned response may use, and what each stands for.
PLACEHOLDERS = {
    "ticket_number": _("the ticket's number"),
    "ticket_subject": _("the ticket's subject"),
    "requester_name": _("the requester's name"),
    "requester_email": _("the requester's email address"),
    "agent_name": _("the name of the agent sending the reply"),
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class CannedResponse(models.Model):
    title = models.CharField(_("title"), max_length=120, unique=True)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Placeholders: {ticket_number}, {ticket_subject}, {requester_name}, {requester_email}, {agent_name}."
        ),
    )
    # Optional moves made when the response is sent.
    status = models.CharField(_("set status"), max_length=16, choices=Status.choices, blank=True)
    priority = models.CharField(_("set priority"), max_length=10, choices=Priority.choices, blank=True)
    is_internal = models.BooleanField(_("internal note"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values) | models.Q(status=""), name="canned_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=Priority.values) | models.Q(priority=""), name="canned_priority_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        unknown = sorted({name for name in _PLACEHOLDER.findall(self.body) if name not in PLACEHOLDERS})
        if unknown:
            known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
            raise ValidationError(
                {
                    "body": _("Unknown placeholder %(names)s. Use: %(known)s.")
                    % {"names": ", ".join(unknown), "known": known}
                }
            )

    def render(self, values: dict[str, str]) -> str:
        """The body with each known placeholder replaced; anything else is left as written."""
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.body)
