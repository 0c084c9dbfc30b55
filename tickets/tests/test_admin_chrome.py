"""The console's chrome: a quiet header, no stock "Recent actions", and an index without internal tables."""

import pytest
from django.urls import reverse

from tickets import services
from tickets.tests.factories import category

pytestmark = pytest.mark.django_db


def index(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def app_list_names(response) -> set[str]:
    return {model["object_name"] for app in response.context["app_list"] for model in app["models"]}


@pytest.mark.parametrize("role", ["agent", "team_lead", "manager", "admin_user"])
def test_the_header_names_the_user_and_links_the_portal_and_logging_out(client, request, role):
    user = request.getfixturevalue(role)
    user.full_name = "Alex Example"
    user.save()
    html = index(client, user)
    assert "Welcome," not in html and "View site" not in html
    assert '<span class="hd-user"><strong>Alex Example</strong>' in html
    assert f'<a href="{reverse("portal:home")}">Portal</a>' in html
    assert f'action="{reverse("admin:logout")}"' in html and ">Log out</button>" in html


def test_no_recent_actions_box(client, agent, admin_user):
    for user in (agent, admin_user):
        html = index(client, user)
        assert "Recent actions" not in html and "None available" not in html


def test_internal_tables_are_not_in_the_app_list_even_for_admins(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:index"))
    names = app_list_names(response)
    assert {"Ticket", "SLAPolicy", "BusinessCalendar", "Connection"} <= names
    assert not names & {"TicketCounter", "TicketEvent", "SLATarget", "WorkingHours", "SyncLogEntry"}
    assert not names & {"OutstandingToken", "BlacklistedToken"}
    # The tickets app's own page and the nav sidebar use the same list.
    app_page = client.get(reverse("admin:app_list", args=["tickets"]))
    assert "TicketCounter" not in app_list_names(app_page)


def test_admins_reach_them_under_internal_records(client, admin_user):
    html = index(client, admin_user)
    assert "Internal records" in html
    for url in ("admin:tickets_ticketevent_changelist", "admin:tickets_slatarget_changelist"):
        assert f'href="{reverse(url)}"' in html
        client.force_login(admin_user)
        assert client.get(reverse(url)).status_code == 200


def test_agents_see_neither_the_tables_nor_the_internal_records(client, agent):
    client.force_login(agent)
    response = client.get(reverse("admin:index"))
    assert "Internal records" not in response.content.decode()
    assert "Ticket" in app_list_names(response)
    assert not app_list_names(response) & {"TicketEvent", "TicketCounter"}


def test_admins_reach_a_tickets_raw_event_log_from_its_page(client, admin_user, agent, customer, team):
    ticket = services.ticket_create(actor=team.lead, requester=customer, subject="VPN", category=category(), team=team)
    page = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    client.force_login(admin_user)
    html = client.get(page).content.decode()
    link = f"{reverse('admin:tickets_ticketevent_changelist')}?q={ticket.number}"
    assert f'href="{link}"' in html
    log = client.get(link)
    assert log.status_code == 200 and len(log.context["cl"].result_list) >= 1
    client.force_login(agent)
    assert "Raw event log" not in client.get(page).content.decode()
