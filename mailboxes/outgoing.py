"""What the email channel adds to our outgoing notification emails: where replies go.

``tickets.services.notifications.build_email`` asks through the ``email_reply_to`` signal
(tickets must not import this app); the answer is the signed reply address of the mailbox
the ticket came in by, else of the default mailbox. No active mailbox: no ``Reply-To``, and
the email does not say "reply to this email".
"""

from __future__ import annotations

from django.dispatch import receiver

from mailboxes.models import InboundMessage, Mailbox, Outcome
from mailboxes.threads import reply_address
from tickets.models import Ticket
from tickets.services.notifications import email_reply_to


def mailbox_of(ticket: Ticket) -> Mailbox | None:
    """The mailbox replies about the ticket go to: the one it came in by, else the default."""
    first = (
        InboundMessage.objects.filter(ticket=ticket, outcome=Outcome.TICKET_CREATED, mailbox__is_active=True)
        .select_related("mailbox")
        .order_by("id")
        .first()
    )
    if first is not None:
        return first.mailbox
    return Mailbox.objects.filter(is_active=True).order_by("-is_default", "pk").first()


@receiver(email_reply_to, dispatch_uid="mailboxes.reply_to")
def _reply_to(sender, *, ticket: Ticket, **kwargs) -> str | None:
    mailbox = mailbox_of(ticket)
    return reply_address(mailbox.address, ticket) if mailbox is not None else None
