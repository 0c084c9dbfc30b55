"""One face over both desks for the sync engine: their tickets and comments in our terms, and the few writes sync makes.

``desk_for(connection)`` gives a ``ZendeskDesk`` or ``ZohoDesk``. Each turns the desk's JSON into
``RemoteTicket`` / ``RemoteNote`` and knows how to find a ticket or comment that a lost answer
may have created (Zendesk: ``external_id``; Zoho: the ``cf_helpdesk_key`` custom field).
"""

from __future__ import annotations

from typing import Any

from integrations.models import Connection, Provider
from integrations.sync.desks.common import ZOHO_KEY_FIELD, RemoteNote, RemoteTicket, own_user_id, parse_time
from integrations.sync.desks.zendesk import ZendeskDesk
from integrations.sync.desks.zoho import ZohoDesk
from integrations.zendesk.client import ZendeskClient
from integrations.zoho.client import ZohoClient

__all__ = [
    "ZOHO_KEY_FIELD",
    "Desk",
    "RemoteNote",
    "RemoteTicket",
    "ZendeskDesk",
    "ZohoDesk",
    "desk_for",
    "own_user_id",
    "parse_time",
]

Desk = ZendeskDesk | ZohoDesk


def desk_for(connection: Connection, **client_options: Any) -> Desk:
    """The desk of ``connection``; ``client_options`` (timeout, retry, sleep) go to its client."""
    if connection.provider == Provider.ZENDESK:
        return ZendeskDesk(connection, ZendeskClient(connection, **client_options))
    return ZohoDesk(connection, ZohoClient(connection, **client_options))
