"""Writes. Every change to a ticket, from any face, goes through a function here."""

from tickets.services.attachments import attachment_add, attachment_delete
from tickets.services.comments import comment_add, comment_delete, comment_edit
from tickets.services.guests import (
    guest_link_renew,
    guest_link_resolve,
    guest_link_revoke,
    guest_link_url,
    guest_ticket_create,
)
from tickets.services.macros import macro_apply, macro_apply_many
from tickets.services.merge import ticket_merge
from tickets.services.satisfaction import ticket_rate
from tickets.services.status import ticket_close, ticket_escalate, ticket_reopen, ticket_resolve, ticket_transition
from tickets.services.sweep import sla_sweep
from tickets.services.tickets import (
    ticket_assign,
    ticket_create,
    ticket_delete,
    ticket_set_custom_field,
    ticket_update,
)
from tickets.services.views import saved_view_create, saved_view_delete, saved_view_move, saved_view_rename

__all__ = [
    "attachment_add",
    "attachment_delete",
    "comment_add",
    "comment_delete",
    "comment_edit",
    "guest_link_renew",
    "guest_link_resolve",
    "guest_link_revoke",
    "guest_link_url",
    "guest_ticket_create",
    "macro_apply",
    "macro_apply_many",
    "saved_view_create",
    "saved_view_delete",
    "saved_view_move",
    "saved_view_rename",
    "sla_sweep",
    "ticket_assign",
    "ticket_close",
    "ticket_create",
    "ticket_delete",
    "ticket_escalate",
    "ticket_merge",
    "ticket_rate",
    "ticket_reopen",
    "ticket_resolve",
    "ticket_set_custom_field",
    "ticket_transition",
    "ticket_update",
]
