"""Rows every app shares: the ``Idempotency-Key`` of API requests that create (``helpdesk/api/idempotency.py``),
the heartbeat of the background processes (``helpdesk/liveness.py``), and who has a live page open on what
(``tickets/live/``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """One client's key on one create, written in the create's own transaction, with the answer it got.

    Holds a digest of the key, never the key. ``response_status`` is empty only while an answer
    that needs a remote call after the commit (seed 000's Zoho request) is not complete yet;
    ``object_id`` then names what the first request created, for its retry to finish.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key_digest = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    object_id = models.BigIntegerField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key_digest"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.key_digest[:12]} (user {self.user_id})"


class Heartbeat(models.Model):
    """When a background process last showed it was alive: one row per name, overwritten each time."""

    name = models.CharField(max_length=40, primary_key=True)
    seen_at = models.DateTimeField()
    # Which process it was (a worker's node name).
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class Presence(models.Model):
    """One open live stream on a topic (``ticket:34``): who is looking at what, right now.

    The stream writes its row when it opens, refreshes ``seen_at`` at each heartbeat and deletes
    it when it closes; a row whose stream died without closing is ignored once ``seen_at`` is
    older than the presence TTL, and beat deletes it later.
    """

    connection = models.CharField(max_length=32, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["topic", "seen_at"], name="presence_topic_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.topic}"
