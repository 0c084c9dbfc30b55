"""Every write of the webhooks app: endpoints, sending, the relay (``STYLE.md``: services for writes)."""

from webhooks.services.deliver import MAX_ATTEMPTS, PAUSE_AFTER_FAILURES, RETRY_DELAYS, delivery_attempt
from webhooks.services.endpoints import (
    delivery_replay,
    endpoint_pause,
    endpoint_resume,
    endpoint_rotate_secret,
    endpoint_save,
    endpoint_send_test,
    pause_notice_send,
    webhook_send,
)
from webhooks.services.relay import deliveries_prune, webhooks_relay

__all__ = [
    "MAX_ATTEMPTS",
    "PAUSE_AFTER_FAILURES",
    "RETRY_DELAYS",
    "deliveries_prune",
    "delivery_attempt",
    "delivery_replay",
    "endpoint_pause",
    "endpoint_resume",
    "endpoint_rotate_secret",
    "endpoint_save",
    "endpoint_send_test",
    "pause_notice_send",
    "webhook_send",
    "webhooks_relay",
]
