"""Demo knowledge base: a few categories and published articles, so the portal has something to show.

Loaded after the tickets demo (its users must exist); safe to run again.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import Team, User
from kb import services
from kb.models import Article, Category

CATEGORIES = [
    ("Getting started", "getting-started", "Accounts, signing in, the portal.", None),
    ("Network and VPN", "network-vpn", "Connecting from home and the office.", "Platform Ops"),
    ("Billing", "billing", "Invoices, payment methods, refunds.", None),
]

ARTICLES = [
    (
        "How do I reset my password?",
        "getting-started",
        ["password", "login"],
        "If you forgot your password:\n\n1. Open the **Log in** page.\n2. Choose *Forgot your password?*\n"
        "3. Enter your email address; we send you a link that works for one hour.\n\n"
        "Still locked out after three tries? Open a ticket and we unlock your account.",
    ),
    (
        "Connecting to the VPN from home",
        "network-vpn",
        ["vpn", "remote"],
        "## Before you start\n\nInstall the VPN client from the software centre.\n\n## Connect\n\n"
        "1. Start the client and choose the **Office** profile.\n2. Sign in with your usual password.\n\n"
        "| Problem | What to try |\n|---|---|\n| Timeout | Restart your router |\n"
        "| Authentication failed | Reset your password first |\n",
    ),
    (
        "Printer shows 'paused' every morning",
        "getting-started",
        ["printer"],
        "The print spooler pauses the queue after the overnight update.\n\n"
        "Open *Settings → Printers*, select the printer and choose **Resume**. "
        "If it happens again the next day, restart the `Print Spooler` service.",
    ),
    (
        "Where do I find my invoices?",
        "billing",
        ["invoice", "billing"],
        "Invoices are emailed to your organization's billing contact on the first working day of the month. "
        "Ask us for a copy any time: open a ticket in the **Billing** category.",
    ),
]


@transaction.atomic
def load_kb_demo() -> int:
    """Create the demo categories and articles that are missing; return how many articles were added."""
    author = User.objects.filter(email="manager@example.com").first()
    if author is None:
        return 0
    for name, slug, description, team_name in CATEGORIES:
        Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "team": Team.objects.filter(name=team_name).first() if team_name else None,
            },
        )
    categories = {category.slug: category for category in Category.objects.all()}
    existing = set(Article.objects.values_list("title", flat=True))
    added = 0
    for title, slug, tags, body in ARTICLES:
        if title in existing:
            continue
        services.article_create(
            actor=author, title=title, body=body, category=categories[slug], tags=tags, publish=True
        )
        added += 1
    return added
