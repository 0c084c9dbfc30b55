"""Demo data: one user per role, two teams, two organizations and ~50 realistic tickets.

Everything goes through the services, so the demo's history, numbers and SLA
fields are exactly what real use produces. Loading twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, Team, User
from accounts.roles import Role
from tickets import services, workflow
from tickets.choices import Channel, Status, parse_priority
from tickets.models import (
    BusinessCalendar,
    Category,
    CustomField,
    EmailStatus,
    FieldType,
    Holiday,
    Macro,
    Notification,
    Ticket,
    WorkingHours,
)
from tickets.services.sla import sla_apply


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    password: str
    organization: str = ""


USERS = [
    DemoUser("admin@example.com", "Ada Admin", Role.ADMIN, "demo-admin-2026"),
    DemoUser("manager@example.com", "Maya Manager", Role.MANAGER, "demo-manager-2026"),
    DemoUser("lead@example.com", "Liam Lead", Role.TEAM_LEAD, "demo-lead-2026"),
    DemoUser("agent@example.com", "Alex Agent", Role.AGENT, "demo-agent-2026"),
    DemoUser("ops@example.com", "Omar Ops", Role.AGENT, "demo-ops-2026"),
    DemoUser("customer@example.com", "Cara Customer", Role.CUSTOMER, "demo-customer-2026", "Acme Corp"),
    DemoUser("buyer@globex.example", "Gus Globex", Role.CUSTOMER, "demo-globex-2026", "Globex"),
]

# (subject, category, priority, description, devops fields)
TICKETS = [
    ("Cannot log in to the customer dashboard", "technical", "high", "Password reset mail never arrives.", {}),
    ("Invoice INV-2291 charged twice", "billing", "urgent", "Our card was charged twice on the 3rd.", {}),
    ("Export tickets to CSV", "feature_request", "low", "We would like a CSV export of our tickets.", {}),
    (
        "Production database not responding",
        "incident",
        "P1",
        "PostgreSQL stopped answering at 14:30 UTC.",
        {"environment": "production", "affected_service": "PostgreSQL Database", "impact_level": "critical"},
    ),
    ("New laptop for onboarding hire", "service_request", "medium", "Starts on Monday, needs a dev laptop.", {}),
    ("VPN disconnects every hour", "technical", "medium", "Happens on macOS and Windows.", {}),
    ("Update billing address", "billing", "low", "We moved to 12 Harbour Street.", {}),
    (
        "Staging deploy pipeline stuck",
        "incident",
        "P2",
        "Jobs wait in queue for 40 minutes.",
        {"environment": "staging", "affected_service": "CI runners", "impact_level": "high"},
    ),
    ("How do I add a colleague?", "general", "low", "Where are user invitations?", {}),
    ("Dark mode for the portal", "feature_request", "low", "Our night shift would love it.", {}),
    ("Printer on floor 3 shows paper jam", "service_request", "medium", "No paper is actually stuck.", {}),
    ("API returns 500 on /orders", "technical", "high", "Since this morning's release.", {}),
    ("Refund for cancelled plan", "billing", "medium", "We cancelled within the trial.", {}),
    (
        "Payment gateway timeouts",
        "incident",
        "P1",
        "Checkout fails for 30% of users.",
        {"environment": "production", "affected_service": "Payments API", "impact_level": "critical"},
    ),
    ("Request access to analytics workspace", "service_request", "low", "Read access is enough.", {}),
    ("Emails land in spam", "technical", "medium", "Notifications go to spam at Gmail.", {}),
    ("Tax ID missing on invoices", "billing", "medium", "Please add our VAT number.", {}),
    (
        "Disk almost full on build server",
        "incident",
        "P3",
        "92% used on /var.",
        {"environment": "development", "affected_service": "Build server", "impact_level": "medium"},
    ),
    ("Single sign-on with Okta", "feature_request", "medium", "We need SAML SSO.", {}),
    ("Mobile app crashes on start", "technical", "high", "Android 15, version 4.2.0.", {}),
    ("Change plan to annual billing", "billing", "low", "Switch us to yearly.", {}),
    ("Slow search in the knowledge base", "technical", "medium", "Takes 8 seconds.", {}),
    (
        "Certificate expires in 5 days",
        "incident",
        "P2",
        "api.example.com certificate.",
        {"environment": "production", "affected_service": "Edge proxy", "impact_level": "high"},
    ),
    ("Reset MFA for a user", "service_request", "high", "Lost phone.", {}),
    ("Where is the API documentation?", "general", "low", "Link in the footer is broken.", {}),
    ("Webhook deliveries delayed", "technical", "medium", "Up to 10 minutes late.", {}),
    ("Credit note for outage", "billing", "medium", "Per the SLA agreement.", {}),
    (
        "Test environment database refresh",
        "service_request",
        "low",
        "Please copy last week's data.",
        {"environment": "testing", "affected_service": "QA database", "impact_level": "low"},
    ),
    ("Bulk edit for tickets", "feature_request", "low", "Change many tickets at once.", {}),
    ("Two-factor codes rejected", "technical", "urgent", "Codes are always invalid.", {}),
    (
        "Monitoring alerts flapping",
        "incident",
        "P3",
        "CPU alert fires and clears every minute.",
        {"environment": "production", "affected_service": "Monitoring", "impact_level": "medium"},
    ),
    ("Purchase order number on invoice", "billing", "low", "PO-7781 must appear.", {}),
    ("Shared mailbox not syncing", "technical", "medium", "Outlook shows old mail.", {}),
    ("Office Wi-Fi drops in meeting rooms", "technical", "medium", "Rooms 2A and 2B.", {}),
    ("Add Spanish translation", "feature_request", "low", "Our Madrid office asks.", {}),
    (
        "Kubernetes node NotReady",
        "incident",
        "P2",
        "node-7 flips to NotReady.",
        {"environment": "production", "affected_service": "Kubernetes", "impact_level": "high"},
    ),
    ("Cannot download invoice PDF", "billing", "medium", "The link returns 404.", {}),
    ("Install design software", "service_request", "low", "Figma desktop for two designers.", {}),
    ("Report numbers look wrong", "technical", "medium", "Resolved count is off by two.", {}),
    ("Question about data retention", "general", "low", "How long are tickets kept?", {}),
    (
        "Backup job failed last night",
        "incident",
        "P2",
        "Nightly backup exited with code 2.",
        {"environment": "production", "affected_service": "Backups", "impact_level": "high"},
    ),
    ("Upgrade seat count to 50", "billing", "medium", "We are growing.", {}),
    ("Calendar integration", "feature_request", "low", "Show SLA due times in Google Calendar.", {}),
    ("Password policy too strict", "general", "low", "Users complain about 16 characters.", {}),
    (
        "Memory leak in worker service",
        "incident",
        "P3",
        "RSS grows 100 MB an hour.",
        {"environment": "staging", "affected_service": "Worker", "impact_level": "medium"},
    ),
    ("Locked out after password change", "technical", "high", "Account locked for 30 minutes.", {}),
    ("New hire accounts for March", "service_request", "medium", "Five accounts, list attached.", {}),
    ("Wrong currency on quote", "billing", "low", "Quote is in USD, we pay in EUR.", {}),
    ("Attachments fail to upload", "technical", "medium", "Files over 10 MB fail.", {}),
    ("Audit log export", "feature_request", "medium", "Compliance needs a yearly export.", {}),
]

# The statuses walked in turn, so every status has several tickets.
FLOW = [
    Status.NEW,
    Status.OPEN,
    Status.IN_PROGRESS,
    Status.PENDING,
    Status.ON_HOLD,
    Status.ESCALATED,
    Status.RESOLVED,
    Status.CLOSED,
    Status.REOPENED,
    Status.IN_PROGRESS,
]


def _user(spec: DemoUser, organizations: dict[str, Organization]) -> User:
    user = User.objects.filter(email=spec.email).first()
    if user is None:
        user = User.objects.create_user(
            spec.email,
            spec.password,
            full_name=spec.name,
            role=spec.role,
            organization=organizations.get(spec.organization),
            is_superuser=spec.role == Role.ADMIN,
        )
    return user


# How far along its SLA clock each active demo ticket is, as a share of its target, in turn: most
# comfortably inside it, two in twelve close to due (at risk), one in twelve past it (breached).
ACTIVE_AGES = (0.1, 0.3, 0.5, 0.85, 0.2, 0.4, 0.65, 0.92, 0.15, 0.35, 0.55, 1.3)


def _start(index: int, status: Status, probe: Ticket, now: datetime) -> datetime:
    """When a demo ticket was opened: resolved and closed ones weeks ago, active ones by ``ACTIVE_AGES``.

    ``probe`` is the ticket unsaved, to read its SLA targets: a new ticket's age is a share of its
    first-response target (nobody has answered), any other active one's of its resolution target.
    """
    if status in workflow.DONE_STATUSES:
        return now - timedelta(days=15 + (index * 11) % 45, hours=index % 7)
    probe.created_at = now
    sla_apply(probe)
    minutes = probe.sla_first_response_minutes if status == Status.NEW else probe.sla_resolution_minutes
    return now - timedelta(minutes=(minutes or 24 * 60) * ACTIVE_AGES[index % len(ACTIVE_AGES)])


class _Story:
    """Moves one ticket along a realistic path to a status, one step at a time.

    The steps fit in a tenth of the ticket's first-response target each, so the first reply is on time
    and what its SLA shows comes from its age (``ACTIVE_AGES``), not from a slow story.
    """

    def __init__(self, ticket: Ticket, agent: User, start: datetime, end: datetime) -> None:
        self.ticket, self.agent, self.at = ticket, agent, start
        first_response = timedelta(minutes=ticket.sla_first_response_minutes or 60)
        self.step = min((end - start) / 10, first_response / 10)

    def later(self) -> datetime:
        self.at += self.step
        return self.at

    def move(self, status: Status, note: str = "", **kwargs) -> None:
        self.ticket = services.ticket_transition(
            actor=self.agent, ticket=self.ticket, to_status=status, note=note, now=self.later(), **kwargs
        )

    def say(self, actor: User, body: str, internal: bool = False) -> None:
        services.comment_add(actor=actor, ticket=self.ticket, body=body, is_internal=internal, now=self.later())

    def walk_to(self, status: Status) -> None:
        requester = self.ticket.requester
        if status == Status.NEW:
            return
        self.ticket = services.ticket_assign(
            actor=self.agent, ticket=self.ticket, assignee=self.agent, now=self.later()
        )
        self.say(self.agent, "Thanks for the report, I am looking into it now.")
        if status == Status.OPEN:
            return
        self.say(self.agent, "Checked the logs; nothing obvious yet.", internal=True)
        if status == Status.ESCALATED:
            self.move(Status.ESCALATED, "Needs the platform team.")
            return
        self.move(Status.IN_PROGRESS)
        if status == Status.IN_PROGRESS:
            return
        if status == Status.PENDING:
            self.say(self.agent, "Could you send a screenshot of the error?")
            self.move(Status.PENDING, "Waiting on the requester.")
            return
        if status == Status.ON_HOLD:
            self.say(self.agent, "Vendor ticket #4471 opened; waiting on them.", internal=True)
            self.move(Status.ON_HOLD, "Waiting on the vendor.")
            return
        self.say(requester, "Here are the details you asked for.")
        log = ContentFile(b"2026-03-02 09:14:07 ERROR connection reset by peer\n", name="error.log")
        services.attachment_add(actor=requester, ticket=self.ticket, upload=log, now=self.later())
        self.move(Status.RESOLVED, resolution_notes="Applied the fix and confirmed with the requester.")
        if status == Status.CLOSED:
            self.move(Status.CLOSED)
        elif status == Status.REOPENED:
            self.ticket = services.ticket_reopen(
                actor=requester, ticket=self.ticket, reason="It happened again.", now=self.later()
            )


MACROS = [
    (
        "Need more information",
        "Hello {requester_name},\n\nThanks for reporting {ticket_number}. Could you send us a screenshot and the "
        "exact time it happened? We will pick it up as soon as we hear back.\n\n{agent_name}",
        Status.PENDING,
        "",
        False,
    ),
    (
        "Fixed, please confirm",
        "Hello {requester_name},\n\nWe have fixed the problem behind {ticket_number}. Please let us know if "
        "anything still looks wrong; otherwise the ticket closes by itself.\n\n{agent_name}",
        Status.RESOLVED,
        "",
        False,
    ),
    (
        "Escalating to on-call",
        "Paging the on-call engineer for {ticket_number}: customer impact confirmed.",
        "",
        "urgent",
        True,
    ),
]


# Custom fields of the demo desk: (key, label, type, customer-visible, required, help text), on billing tickets.
CUSTOM_FIELDS = [
    ("invoice_number", "Invoice number", FieldType.TEXT, True, True, "As printed on the invoice, e.g. INV-2291."),
    ("refund_approved", "Refund approved", FieldType.CHECKBOX, False, False, "Ticked by the billing team."),
]


def _custom_fields(billing: Category) -> None:
    for position, (key, label, kind, visible, required, help_text) in enumerate(CUSTOM_FIELDS, start=1):
        field, created = CustomField.objects.get_or_create(
            key=key,
            defaults={
                "label": label,
                "type": kind,
                "customer_visible": visible,
                "required": required,
                "help_text": help_text,
                "position": position,
            },
        )
        if created:
            field.categories.add(billing)


def load_demo(*, now: datetime | None = None) -> dict[str, object]:
    """Create what is missing of the demo; return the users' logins and what was added."""
    now = now or timezone.now()
    with transaction.atomic():
        organizations = {
            "Acme Corp": Organization.objects.get_or_create(name="Acme Corp", defaults={"shares_tickets": True})[0],
            "Globex": Organization.objects.get_or_create(name="Globex")[0],
        }
        users = {spec.email: _user(spec, organizations) for spec in USERS}
        desk, _ = Team.objects.get_or_create(name="Service Desk", defaults={"lead": users["lead@example.com"]})
        desk.members.add(users["agent@example.com"], users["lead@example.com"])
        ops, _ = Team.objects.get_or_create(name="Platform Ops", defaults={"lead": users["lead@example.com"]})
        ops.members.add(users["ops@example.com"], users["lead@example.com"])

        office, created_calendar = BusinessCalendar.objects.get_or_create(
            name="Office hours (Mon-Fri 09-17 UTC)", defaults={"time_zone": "UTC"}
        )
        if created_calendar:
            WorkingHours.objects.bulk_create(
                WorkingHours(calendar=office, weekday=day, starts_at=time(9), ends_at=time(17)) for day in range(5)
            )
            Holiday.objects.create(calendar=office, date=date(now.year, 12, 25), name="Christmas Day")

        customers = [users["customer@example.com"], users["buyer@globex.example"]]
        categories = {category.slug: category for category in Category.objects.all()}
        _custom_fields(categories["billing"])
        existing = set(Ticket.objects.filter(requester__in=customers).values_list("subject", flat=True))
        created = 0
        for index, (subject, slug, priority, description, devops) in enumerate(TICKETS):
            if subject in existing:
                continue
            requester = customers[index % 2]
            is_incident = slug == "incident"
            agent = users["ops@example.com"] if is_incident else users["agent@example.com"]
            status = FLOW[index % len(FLOW)]
            probe = Ticket(
                category=categories[slug], priority=parse_priority(priority), organization=requester.organization
            )
            start = _start(index, status, probe, now)
            ticket = services.ticket_create(
                actor=requester,
                subject=subject,
                description=description,
                category=categories[slug],
                priority=priority,
                channel=Channel.PORTAL if index % 3 else Channel.API,
                tags=[slug.replace("_", "-")],
                now=start,
                # Billing tickets carry an invoice number (a required field the customer fills in the portal).
                custom_fields={"invoice_number": f"INV-{2291 + index}"} if slug == "billing" else None,
                **devops,
            )
            if is_incident or index % 4 == 0:
                ticket = services.ticket_assign(
                    actor=users["manager@example.com"],
                    ticket=ticket,
                    assignee=None,
                    team=ops if is_incident else desk,
                    now=start,
                )
            _Story(ticket, agent, start, min(now, start + timedelta(days=2))).walk_to(status)
            created += 1
        for title, body, status, priority, internal in MACROS:
            Macro.objects.get_or_create(
                name=title,
                defaults={"reply": body, "status": status, "priority": priority, "reply_is_internal": internal},
            )
        # The story is history: keep its in-app notifications, but send none of its emails.
        Notification.objects.filter(email_status=EmailStatus.PENDING).update(email_status=EmailStatus.SKIPPED)
    return {"users": USERS, "tickets_created": created}
