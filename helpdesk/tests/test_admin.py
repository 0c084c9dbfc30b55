"""Every model is in the admin, and each page of it renders for an admin."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import Organization, Team, User
from tickets.models import (
    Attachment,
    BusinessCalendar,
    Category,
    Comment,
    Holiday,
    Macro,
    SLAPolicy,
    SLATarget,
    Tag,
    Ticket,
    TicketCounter,
    TicketEvent,
    WorkingHours,
)

MODELS = [
    User,
    Organization,
    Team,
    Category,
    Tag,
    SLAPolicy,
    SLATarget,
    Ticket,
    Comment,
    Attachment,
    TicketEvent,
    TicketCounter,
    BusinessCalendar,
    WorkingHours,
    Holiday,
    Macro,
]


def test_every_model_is_registered():
    assert set(MODELS) <= set(admin.site._registry)


@pytest.mark.django_db
def test_changelist_and_detail_render_for_an_admin_on_demo_data(client):
    from tickets.demo import load_demo

    load_demo()
    client.force_login(User.objects.get(email="admin@example.com"))
    for model in MODELS:
        opts = model._meta
        changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, model
        assert str(opts.verbose_name_plural).lower() in changelist.content.decode().lower()
        detail = client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[model.objects.first().pk])
        )
        assert detail.status_code == 200, model


@pytest.mark.django_db
def test_customers_cannot_enter_the_admin(client, customer):
    client.force_login(customer)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
