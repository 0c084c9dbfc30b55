"""What sync keeps per connection: which remote record is which local one, where each pull got to, and a log."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrations.models.connection import Connection

_HAS_REMOTE_ID = ~models.Q(remote_id="")


class PushState(models.TextChoices):
    PENDING = "pending", _("pending")
    SYNCED = "synced", _("synced")
    FAILED = "failed", _("failed")


class Direction(models.TextChoices):
    PUSH = "push", _("push")
    PULL = "pull", _("pull")
    WEBHOOK = "webhook", _("webhook")
    AUTH = "auth", _("auth")
    IMPORT = "import", _("import")


class Outcome(models.TextChoices):
    OK = "ok", _("ok")
    RETRY = "retry", _("retry")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("skipped")
    CONFLICT = "conflict", _("conflict")


class RemoteLink(models.Model):
    """Our ticket is ``remote_id`` on the connection's desk (one remote ticket per connection).

    Created before the first push with a blank ``remote_id`` and a fresh
    ``idempotency_key``, which the create sends along (Zendesk ``external_id``, a Zoho
    custom field): a create retried after a lost answer looks the key up first instead of
    making a second ticket. ``remote_id`` is filled once the desk has answered.
    """

    PushState = PushState

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="remote_links", verbose_name=_("ticket")
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="remote_links", verbose_name=_("connection")
    )
    remote_id = models.CharField(_("remote id"), max_length=64, blank=True)
    remote_url = models.URLField(_("remote URL"), max_length=500, blank=True)
    push_state = models.CharField(_("push state"), max_length=10, choices=PushState.choices, default=PushState.PENDING)
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    last_pushed_at = models.DateTimeField(_("last pushed"), null=True, blank=True)
    last_pulled_at = models.DateTimeField(_("last pulled"), null=True, blank=True)
    # The desk's own updated time of what we last saw, to tell its changes from ours.
    remote_updated_at = models.DateTimeField(_("remote updated"), null=True, blank=True)
    # Status and priority in the desk's terms as of the last sync (blank: not known yet). A field
    # that differs from these changed on that side since; only one changed on both is a conflict.
    synced_status = models.CharField(_("synced status"), max_length=64, blank=True)
    synced_priority = models.CharField(_("synced priority"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["connection", "ticket"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "ticket"], name="remotelink_one_per_ticket"),
            models.UniqueConstraint(
                fields=["connection", "remote_id"], condition=_HAS_REMOTE_ID, name="remotelink_remote_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(push_state__in=PushState.values), name="remotelink_push_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["connection", "push_state"], name="remotelink_push_state_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} = {self.remote_id or '(not created yet)'} on {self.connection_id}"


class RemoteComment(models.Model):
    """Our comment is ``remote_id`` on the connection's desk: a pulled comment is not added twice,
    and a pushed one is not pulled back as new.

    ``remote_id`` may be blank while a push is under way (the row is written before the
    call): a retry finding a blank id checks the desk before posting again.
    """

    Direction = Direction

    comment = models.ForeignKey(
        "tickets.Comment", on_delete=models.CASCADE, related_name="remote_comments", verbose_name=_("comment")
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="remote_comments", verbose_name=_("connection")
    )
    remote_id = models.CharField(_("remote id"), max_length=64, blank=True)
    # push: we made it on the desk; pull: we copied it from the desk.
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=[(Direction.PUSH, Direction.PUSH.label), (Direction.PULL, Direction.PULL.label)],
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "comment"], name="remotecomment_one_per_comment"),
            models.UniqueConstraint(
                fields=["connection", "remote_id"], condition=_HAS_REMOTE_ID, name="remotecomment_remote_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(direction__in=[Direction.PUSH, Direction.PULL]),
                name="remotecomment_direction_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.comment_id} = {self.remote_id or '(not created yet)'} on {self.connection_id}"


class SyncState(models.Model):
    """Where one kind of sync of a connection got to, and who is running it now.

    ``kind`` names the job, e.g. ``pull_tickets``. ``cursor`` is the desk's own position
    (Zendesk's incremental-export cursor), ``watermark`` a time to resume from (Zoho's
    ``modifiedTimeRange``). ``running_since`` and ``claim_token`` are a claim, taken and
    released with conditional UPDATEs (``integrations.services.sync_state_claim`` and
    ``sync_state_release``), so two workers never run the same job at once.
    """

    class Kind(models.TextChoices):
        # The jobs' kinds; the column takes any name (a push claims "push:<link id>"), so a new
        # job needs no migration.
        PULL_TICKETS = "pull_tickets", _("pull tickets")
        IMPORT_TICKETS = "import_tickets", _("import tickets")

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="sync_states", verbose_name=_("connection")
    )
    kind = models.CharField(_("kind"), max_length=40)
    cursor = models.TextField(_("cursor"), blank=True)
    watermark = models.DateTimeField(_("watermark"), null=True, blank=True)
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    claim_token = models.UUIDField(_("claim"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["connection", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "kind"], name="syncstate_one_per_kind"),
            models.CheckConstraint(condition=~models.Q(kind=""), name="syncstate_kind_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.connection_id}"


class SyncLogEntry(models.Model):
    """One thing sync did or failed to do, for the admin's eyes. ``message`` never holds a secret.

    Written through ``integrations.services.sync_log``, which redacts the connection's secrets.
    """

    Direction = Direction
    Outcome = Outcome

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="sync_log", verbose_name=_("connection")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sync_log",
        verbose_name=_("ticket"),
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    # What was attempted, e.g. create_ticket, update_ticket, add_comment, refresh_token.
    action = models.CharField(_("action"), max_length=50)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    message = models.TextField(_("message"), blank=True)
    remote_id = models.CharField(_("remote id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sync log entry")
        verbose_name_plural = _("sync log")
        constraints = [
            models.CheckConstraint(condition=models.Q(direction__in=Direction.values), name="synclog_direction_valid"),
            models.CheckConstraint(condition=models.Q(outcome__in=Outcome.values), name="synclog_outcome_valid"),
        ]
        indexes = [
            models.Index(fields=["connection", "-created_at"], name="synclog_connection_recent_idx"),
            # For sync_log_prune.
            models.Index(fields=["created_at"], name="synclog_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.action}: {self.outcome}"
