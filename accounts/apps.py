from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # Registers the tasks by name in every process: services publish them by name (helpdesk.queue).
        from accounts import tasks  # noqa: F401
