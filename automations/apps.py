from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "automations"
    verbose_name = "Automations"

    def ready(self) -> None:
        # Registers the tasks by name in every process (beat publishes them by name).
        from automations import tasks  # noqa: F401
        from automations.engine import connect

        connect()
