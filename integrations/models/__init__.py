"""The integrations' data: connections to external desks, the id mappings sync keeps, and its log.

- ``Connection``: one Zendesk account or Zoho Desk department, its credentials (encrypted
  at rest by ``EncryptedTextField``) and its health.
- ``RemoteLink`` / ``RemoteComment``: which remote ticket or comment is which of ours.
- ``SyncState``: a job's cursor or watermark, and the claim that keeps it to one worker.
- ``SyncLogEntry``: what sync did, for the admin.
"""

from integrations.models.connection import (
    CREDENTIAL_FIELDS,
    DEFAULT_ZOHO_PRIORITIES,
    SECRET_FIELDS,
    AuthMethod,
    Connection,
    DataCentre,
    Health,
    Provider,
)
from integrations.models.fields import EncryptedTextField, Secret
from integrations.models.sync import (
    Direction,
    Outcome,
    PushState,
    RemoteComment,
    RemoteLink,
    SyncLogEntry,
    SyncState,
)

__all__ = [
    "CREDENTIAL_FIELDS",
    "DEFAULT_ZOHO_PRIORITIES",
    "SECRET_FIELDS",
    "AuthMethod",
    "Connection",
    "DataCentre",
    "Direction",
    "EncryptedTextField",
    "Health",
    "Outcome",
    "Provider",
    "PushState",
    "RemoteComment",
    "RemoteLink",
    "Secret",
    "SyncLogEntry",
    "SyncState",
]
