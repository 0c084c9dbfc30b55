from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        # Registers the tasks by name in every process: services publish them by name (helpdesk.queue).
        from tickets import tasks  # noqa: F401
        from tickets.changes import ticket_saved
        from tickets.models import Ticket, TicketEvent

        # Every ticket write bumps the desk's "tickets changed" number (live report figures key on it).
        for model in (Ticket, TicketEvent):
            post_save.connect(ticket_saved, sender=model, dispatch_uid=f"tickets.changed.save.{model.__name__}")
            post_delete.connect(ticket_saved, sender=model, dispatch_uid=f"tickets.changed.delete.{model.__name__}")
