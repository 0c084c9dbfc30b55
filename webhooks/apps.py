from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Registers the tasks by name in every process: the capture publishes them by name (helpdesk.queue).
        from webhooks import tasks  # noqa: F401
        from webhooks.capture import connect

        connect()
