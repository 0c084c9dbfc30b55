from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


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
        # The custom field definitions are cached (tickets/custom_fields.py): any change forgets them.
        from tickets.custom_fields import forget_fields
        from tickets.models import CustomField

        post_save.connect(forget_fields, sender=CustomField, dispatch_uid="tickets.custom_fields.save")
        post_delete.connect(forget_fields, sender=CustomField, dispatch_uid="tickets.custom_fields.delete")
        m2m_changed.connect(
            forget_fields, sender=CustomField.categories.through, dispatch_uid="tickets.custom_fields.categories"
        )
