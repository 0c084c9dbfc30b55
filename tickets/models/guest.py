"""Secret links that let a requester without an account read and answer one ticket.

The token is never stored: it is the link's id signed with the site's secret
key, so an email can rebuild it when it is sent and a copy of the database
alone opens nothing. Whether a link still works (revoked, expired) is read
from its row, so a link can be turned off at any time.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SIGNING_SALT = "tickets.guest-link"


class GuestLinkQuerySet(models.QuerySet):
    def live(self, now: datetime) -> GuestLinkQuerySet:
        """Links that still work at ``now``: not revoked, not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class GuestLink(models.Model):
    """One ticket, acting as one user (the requester); a link never reaches another ticket."""

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="guest_links"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acts as"), on_delete=models.CASCADE, related_name="guest_links"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = GuestLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["ticket", "user", "-created_at"], name="guestlink_ticket_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="guestlink_expires_after_created"
            ),
        ]

    def __str__(self) -> str:
        return f"Guest link {self.pk} to {self.ticket_id}"

    @property
    def token(self) -> str:
        """The secret part of the link's URL, rebuilt from the id (never stored)."""
        return signing.dumps(self.pk, salt=SIGNING_SALT)

    @staticmethod
    def pk_from_token(token: str) -> int | None:
        """The id a token names, or None when it was not signed by this site for a guest link."""
        try:
            pk = signing.loads(str(token), salt=SIGNING_SALT)
        except signing.BadSignature:
            return None
        return pk if isinstance(pk, int) and not isinstance(pk, bool) else None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
