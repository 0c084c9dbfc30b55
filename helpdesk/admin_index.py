"""What the console's index and app lists show: the desk's own tables, not its internal records.

The internal records (the token blacklist, ticket counters, the raw event log, SLA targets and
working hours that their policy and calendar pages edit inline, the sync log its connection page
links to) stay where their permissions allow, only out of the app lists. The admins who may
open them find them under "Internal records" beside the index.
"""

from __future__ import annotations

from typing import Any

INTERNAL = frozenset(
    {
        ("token_blacklist", "outstandingtoken"),
        ("token_blacklist", "blacklistedtoken"),
        ("tickets", "ticketcounter"),
        ("tickets", "ticketevent"),
        ("tickets", "slatarget"),
        ("tickets", "workinghours"),
        ("integrations", "synclogentry"),
    }
)


def split_internal(app_list: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``app_list`` (Django's) without the internal tables, and those tables, each with its app's name."""
    shown, internal = [], []
    for app in app_list:
        models = []
        for model in app["models"]:
            if (app["app_label"], model["object_name"].lower()) in INTERNAL:
                internal.append({**model, "app_name": app["name"]})
            else:
                models.append(model)
        if models:
            shown.append({**app, "models": models})
    return shown, internal
