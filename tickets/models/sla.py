"""SLA policies: per-priority targets, matched to tickets by category, organization and team."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.choices import Priority


class SLAPolicy(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    # Policies are tried in this order; the first whose conditions all match wins.
    position = models.PositiveIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    category = models.ForeignKey(
        "tickets.Category", verbose_name=_("category"), on_delete=models.CASCADE, null=True, blank=True
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, null=True, blank=True
    )
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True)
    at_risk_percent = models.PositiveSmallIntegerField(
        _("at risk from (% of target used)"), default=80, help_text=_("A running clock is at risk from this share.")
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(at_risk_percent__gte=1, at_risk_percent__lte=100), name="sla_at_risk_percent_range"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SLATarget(models.Model):
    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"))

    class Meta:
        ordering = ["policy", "priority"]
        verbose_name = _("SLA target")
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_one_per_priority"),
            models.CheckConstraint(condition=models.Q(priority__in=Priority.values), name="sla_target_priority_valid"),
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gt=0, resolution_minutes__gt=0),
                name="sla_target_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} / {self.priority}"
