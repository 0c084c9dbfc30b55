"""Seed the categories and the two SLA policies of PRODUCT.md (targets from seeds 002 and 004)."""

from django.db import migrations

CATEGORIES = [
    ("Technical", "technical"),
    ("Billing", "billing"),
    ("General", "general"),
    ("Feature Request", "feature_request"),
    ("Incident", "incident"),
    ("Service Request", "service_request"),
]

H = 60
D = 24 * H
# priority: (first response, resolution) in minutes
STANDARD = {"urgent": (2 * H, 24 * H), "high": (4 * H, 48 * H), "medium": (8 * H, 5 * D), "low": (24 * H, 10 * D)}
INCIDENT = {"urgent": (1 * H, 4 * H), "high": (4 * H, 24 * H), "medium": (8 * H, 72 * H), "low": (24 * H, 168 * H)}


def seed(apps, schema_editor):
    Category = apps.get_model("tickets", "Category")
    SLAPolicy = apps.get_model("tickets", "SLAPolicy")
    SLATarget = apps.get_model("tickets", "SLATarget")
    for position, (name, slug) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(slug=slug, defaults={"name": name, "position": position * 10})
    incident = Category.objects.get(slug="incident")
    policies = [
        ("Incident", 10, incident, INCIDENT, "Seed 004's P1-P4 targets, for the Incident category."),
        ("Standard", 1000, None, STANDARD, "Seed 002's targets; matches every ticket no earlier policy took."),
    ]
    for name, position, category, targets, description in policies:
        policy, _ = SLAPolicy.objects.update_or_create(
            name=name, defaults={"position": position, "category": category, "description": description}
        )
        for priority, (first_response, resolution) in targets.items():
            SLATarget.objects.update_or_create(
                policy=policy,
                priority=priority,
                defaults={"first_response_minutes": first_response, "resolution_minutes": resolution},
            )


def unseed(apps, schema_editor):
    apps.get_model("tickets", "SLAPolicy").objects.filter(name__in=["Incident", "Standard"]).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
