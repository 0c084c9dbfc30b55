"""How the fake renders its records as Zoho Desk JSON.

Counts (``commentCount``, ``threadCount``...) are strings and ids are numeric strings, as in the
real API's examples. The list view is narrower than the detail view: the OAS ``listviewJson`` has
no ``description``, ``modifiedTime`` nor ``cf`` (a poller must use ``/tickets/search`` for those).
"""

from __future__ import annotations

import html
import re
from typing import Any

from ._errors import iso

LIST_FIELDS = (
    "id ticketNumber subject status statusType priority category subCategory channel createdTime dueDate closedTime "
    "onholdTime customerResponseTime responseDueDate departmentId contactId accountId assigneeId teamId productId "
    "layoutId email phone language sentiment threadCount commentCount webUrl isSpam isArchived lastThread source"
).split()


def _name(first: str | None, last: str | None) -> str:
    return " ".join(part for part in (first, last) if part)


def agent_brief(fake: Any, agent: dict[str, Any] | None) -> dict[str, Any] | None:
    if agent is None:
        return None
    return {
        "id": agent["id"],
        "firstName": agent["firstName"],
        "lastName": agent["lastName"],
        "email": agent["emailId"],
        "photoURL": f"{fake.base_url}/api/v1/agents/{agent['id']}/photo?orgId={fake.org_id}",
    }


def agent_json(fake: Any, agent: dict[str, Any]) -> dict[str, Any]:
    return {
        **{key: agent[key] for key in ("id", "firstName", "lastName", "emailId", "zuid", "roleId", "profileId")},
        "name": _name(agent["firstName"], agent["lastName"]),
        "status": "ACTIVE",
        "isConfirmed": True,
        "associatedDepartmentIds": list(fake.departments),
        "photoURL": agent_brief(fake, agent)["photoURL"],
    }


def department_json(department: dict[str, Any]) -> dict[str, Any]:
    return {
        **{key: department[key] for key in ("id", "name", "description", "isDefault", "creatorId")},
        "nameInCustomerPortal": department["name"],
        "isEnabled": True,
        "isAssignToTeamEnabled": False,
        "hasLogo": False,
        "chatStatus": "AVAILABLE",
        "isVisibleInCustomerPortal": True,
        "createdTime": iso(department["createdTime"]),
    }


def contact_json(fake: Any, contact: dict[str, Any]) -> dict[str, Any]:
    return {
        **{key: contact[key] for key in ("id", "firstName", "lastName", "email", "phone", "mobile", "accountId")},
        "type": None,
        "isSpam": False,
        "ownerId": fake.agent_id,
        "createdTime": iso(contact["createdTime"]),
        "modifiedTime": iso(contact["modifiedTime"]),
        "webUrl": f"{fake.base_url}/support/{fake.portal_name}/ShowHomePage.do#Contacts/dv/{contact['id']}",
        "customFields": {},
        "cf": {},
    }


def _contact_brief(contact: dict[str, Any] | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {
        **{key: contact[key] for key in ("id", "firstName", "lastName", "email", "phone", "mobile")},
        "type": None,
        "isSpam": False,
        "account": None,
    }


def ticket_json(
    fake: Any, ticket: dict[str, Any], *, view: str = "detail", include: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``view`` is ``detail`` (get, create, update, search, webhook payloads) or ``list`` (``GET /tickets``)."""
    tid = ticket["id"]
    comments = fake.comments.get(tid, [])
    threads = fake.threads.get(tid, [])
    full: dict[str, Any] = {
        "id": tid,
        "ticketNumber": ticket["ticketNumber"],
        "subject": ticket["subject"],
        "description": ticket["description"],
        "status": ticket["status"],
        "statusType": fake.statuses.get(ticket["status"], "Open"),
        "priority": ticket["priority"],
        "category": ticket["category"],
        "subCategory": ticket["subCategory"],
        "classification": ticket["classification"],
        "channel": ticket["channel"],
        "channelCode": None,
        "language": ticket["language"],
        "sentiment": None,
        "resolution": ticket["resolution"],
        "departmentId": ticket["departmentId"],
        "contactId": ticket["contactId"],
        "accountId": ticket["accountId"],
        "assigneeId": ticket["assigneeId"],
        "teamId": ticket["teamId"],
        "productId": ticket["productId"],
        "layoutId": fake.layout_id,
        "email": ticket["email"],
        "phone": ticket["phone"],
        "createdTime": iso(ticket["createdTime"]),
        "modifiedTime": iso(ticket["modifiedTime"]),
        "closedTime": iso(ticket["closedTime"]),
        "onholdTime": iso(ticket["onholdTime"]),
        "dueDate": iso(ticket["dueDate"]),
        "responseDueDate": None,
        "customerResponseTime": iso(ticket["customerResponseTime"]),
        "createdBy": ticket["createdBy"],
        "modifiedBy": ticket["modifiedBy"],
        "webUrl": f"{fake.base_url}/support/{fake.portal_name}/ShowHomePage.do#Cases/dv/{tid}",
        "cf": dict(ticket["cf"]),
        "commentCount": str(len(comments)),
        "threadCount": str(len(threads)),
        "attachmentCount": "0",
        "tagCount": "0",
        "taskCount": "0",
        "approvalCount": "0",
        "timeEntryCount": "0",
        "followerCount": "0",
        "sharedCount": "0",
        "isSpam": False,
        "isArchived": False,
        "isTrashed": False,
        "isDeleted": False,
        "isOverDue": False,
        "isResponseOverdue": False,
        "isEscalated": ticket["status"] == "Escalated",
        "isRead": False,
        "secondaryContacts": [],
        "sharedDepartments": [],
        "entitySkills": [],
        "lastThread": None,
        "source": {"appName": None, "extId": None, "type": "SYSTEM", "permalink": None, "appPhotoURL": None},
    }
    if threads:
        last = max(threads, key=lambda thread: thread["createdTime"])
        full["lastThread"] = {
            "channel": last["channel"],
            "isDraft": False,
            "isForward": False,
            "direction": last["direction"],
        }
    rendered = full if view == "detail" else {key: full[key] for key in LIST_FIELDS}
    if "contacts" in include:
        rendered["contact"] = _contact_brief(fake.contacts.get(ticket["contactId"]))
    if "assignee" in include:
        rendered["assignee"] = agent_brief(fake, fake.agents.get(ticket["assigneeId"] or ""))
    if "departments" in include:
        department = fake.departments[ticket["departmentId"]]
        rendered["department"] = {"id": department["id"], "name": department["name"]}
    if "team" in include:
        rendered["team"] = None
    if "products" in include:
        rendered["product"] = None
    return rendered


def _person(fake: Any, person: dict[str, Any]) -> dict[str, Any]:
    """A commenter or thread author; agents carry a photo URL, end users do not."""
    photo = None
    if person["type"] == "AGENT":
        photo = f"{fake.base_url}/api/v1/agents/{person['id']}/photo?orgId={fake.org_id}"
    return {**person, "name": _name(person["firstName"], person["lastName"]), "photoURL": photo}


def comment_json(fake: Any, comment: dict[str, Any]) -> dict[str, Any]:
    commenter = _person(fake, comment["commenter"])
    commenter["roleName"] = "Agent" if commenter["type"] == "AGENT" else None
    return {
        "id": comment["id"],
        "content": comment["content"],
        "contentType": comment["contentType"],
        "encodedContent": None,
        "isPublic": comment["isPublic"],
        "commenterId": commenter["id"],
        "commenter": commenter,
        "commentedTime": iso(comment["commentedTime"]),
        "modifiedTime": iso(comment["modifiedTime"]),
        "attachments": [],
        "impersonatedUser": None,
    }


def _summary(content: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", content))
    return " ".join(text.split())[:100]


def thread_json(fake: Any, thread: dict[str, Any], *, with_content: bool) -> dict[str, Any]:
    """The threads list carries a ``summary`` only; the single-thread endpoint adds ``content``."""
    rendered = {
        "id": thread["id"],
        "channel": thread["channel"],
        "direction": thread["direction"],
        "visibility": thread["visibility"],
        "status": "SUCCESS",
        "isDescriptionThread": thread["isDescriptionThread"],
        "isForward": False,
        "summary": _summary(thread["content"]),
        "contentType": thread["contentType"],
        "author": _person(fake, thread["author"]),
        "fromEmailAddress": thread["fromEmailAddress"],
        "to": thread["to"],
        "cc": None,
        "bcc": None,
        "replyTo": None,
        "createdTime": iso(thread["createdTime"]),
        "hasAttach": False,
        "attachmentCount": "0",
        "canReply": True,
        "isContentTruncated": False,
        "respondedIn": None,
        "responderId": thread["author"]["id"] if thread["author"]["type"] == "AGENT" else None,
        "channelRelatedInfo": None,
    }
    if with_content:
        rendered["content"] = thread["content"]
        rendered["attachments"] = []
    return rendered
