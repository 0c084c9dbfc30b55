from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self) -> None:
        from integrations import (
            signals,  # noqa: F401 - connects the push receiver
            tasks,  # noqa: F401 - registers the tasks the sync publishes by name
        )
