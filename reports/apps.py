from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        # Registers the tasks by name in every process: services publish them by name (helpdesk.queue).
        from reports import tasks  # noqa: F401
