"""What Celery beat runs, and how often: every periodic task of the product in one place."""

from __future__ import annotations


def beat_schedule(*, mail_poll_seconds: int) -> dict[str, dict[str, object]]:
    return {
        "sla-sweep": {"task": "tickets.tasks.sla_sweep", "schedule": 60.0},
        "notifications-relay": {"task": "tickets.tasks.notifications_relay", "schedule": 60.0},
        # Scans what clamd could not take at upload time ("pending"); does nothing while scanning is off.
        "attachment-scan-sweep": {"task": "tickets.tasks.attachment_scan_sweep", "schedule": 60.0},
        # reports/subscriptions.py: emails go out within this many seconds of their hour.
        "scheduled-reports": {"task": "reports.tasks.scheduled_reports", "schedule": 300.0},
        "integrations-push-relay": {"task": "integrations.tasks.push_pending_relay", "schedule": 60.0},
        "integrations-pull": {"task": "integrations.tasks.pull_all", "schedule": 120.0},
        "integrations-sync-log-prune": {"task": "integrations.tasks.sync_log_prune_task", "schedule": 86400.0},
        # webhooks/services/relay.py: retries that are due, deliveries no task took, claims of dead workers.
        "webhooks-relay": {"task": "webhooks.tasks.webhooks_relay", "schedule": 60.0},
        "webhooks-prune": {"task": "webhooks.tasks.webhooks_prune", "schedule": 86400.0},
        "idempotency-keys-prune": {"task": "helpdesk.tasks.idempotency_keys_prune", "schedule": 3600.0},
        # helpdesk/liveness.py: HEARTBEAT_SECONDS; an old heartbeat must not pass for a fresh one.
        "heartbeat": {"task": "helpdesk.tasks.heartbeat", "schedule": 30.0, "options": {"expires": 60}},
        "live-presence-prune": {"task": "tickets.tasks.presence_prune", "schedule": 300.0},
        # automations/: time-based rules (bounded batches per run), and triggers left by a dead process.
        "automations": {"task": "automations.tasks.run_automations", "schedule": 300.0, "options": {"expires": 300}},
        "triggers-relay": {"task": "automations.tasks.triggers_relay", "schedule": 60.0},
        "mailboxes-poll": {
            "task": "mailboxes.tasks.poll_all",
            "schedule": float(mail_poll_seconds),
            "options": {"expires": mail_poll_seconds},
        },
    }
