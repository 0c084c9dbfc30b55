from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        # Registers the tasks by name in every process: services publish them by name (helpdesk.queue).
        from tickets import tasks  # noqa: F401
