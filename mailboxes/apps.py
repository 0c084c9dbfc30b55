from django.apps import AppConfig


class MailboxesConfig(AppConfig):
    name = "mailboxes"
    verbose_name = "Email channel"

    def ready(self) -> None:
        from mailboxes import (
            outgoing,  # noqa: F401 - connects the Reply-To receiver of the notification emails
            tasks,  # noqa: F401 - registers the polling task beat names
        )
