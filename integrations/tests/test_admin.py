"""The integrations' admin: admins only, secrets write-only, the API-token warning, the read-only records."""

import json

import pytest
from django.urls import reverse

from integrations.admin import remote_link, remote_links_panel
from integrations.models import SECRET_FIELDS, AuthMethod, Connection, Outcome
from integrations.tests import sync_support
from integrations.tests.factories import (
    RemoteLinkFactory,
    SyncLogEntryFactory,
    ZendeskConnectionFactory,
    ZohoConnectionFactory,
)
from integrations.tests.sync_support import zendesk_connection
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
zendesk = sync_support.zendesk

CHANGELISTS = ["integrations_connection", "integrations_synclogentry", "integrations_remotelink"]
SECRETS = {name: f"plaintext-{name}-0123456789" for name in SECRET_FIELDS}


def change_url(connection: Connection) -> str:
    return reverse("admin:integrations_connection_change", args=[connection.pk])


def form_data(connection: Connection, **changes) -> dict[str, str]:
    """What the browser posts for the change form, secrets left blank as the page renders them."""
    data = {
        "name": connection.name,
        "provider": connection.provider,
        "team": "",
        "subdomain": connection.subdomain,
        "data_centre": connection.data_centre,
        "org_id": connection.org_id,
        "department_id": connection.department_id,
        "zoho_priorities": json.dumps(connection.zoho_priorities),
        "base_url_override": connection.base_url_override,
        "auth_method": connection.auth_method,
        "client_id": connection.client_id,
        "api_email": connection.api_email,
        "status_map_overrides": json.dumps(connection.status_map_overrides),
        **{name: "" for name in SECRET_FIELDS},
        "sync_log-TOTAL_FORMS": "0",
        "sync_log-INITIAL_FORMS": "0",
        "sync_log-MIN_NUM_FORMS": "0",
        "sync_log-MAX_NUM_FORMS": "1000",
    }
    if connection.is_active:
        data["is_active"] = "on"
    if connection.hold_enabled:
        data["hold_enabled"] = "on"
    data.update(changes)
    return data


class TestAccess:
    @pytest.mark.parametrize("role", ["agent", "team_lead", "manager"])
    def test_staff_other_than_admins_are_refused(self, client, role, request):
        connection = ZendeskConnectionFactory()
        client.force_login(request.getfixturevalue(role))
        for name in CHANGELISTS:
            assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403, name
        assert client.get(change_url(connection)).status_code == 403
        assert (
            reverse("admin:integrations_connection_changelist")
            not in client.get(reverse("admin:index")).content.decode()
        )

    def test_customers_are_sent_to_the_login(self, client, customer):
        client.force_login(customer)
        response = client.get(reverse("admin:integrations_connection_changelist"))
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))

    def test_admins_see_every_page(self, client, admin_user):
        client.force_login(admin_user)
        for name in CHANGELISTS:
            assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
        assert client.get(reverse("admin:integrations_connection_add")).status_code == 200

    def test_sync_records_are_read_only(self, client, admin_user):
        link = RemoteLinkFactory()
        entry = SyncLogEntryFactory()
        client.force_login(admin_user)
        assert client.get(reverse("admin:integrations_remotelink_add")).status_code == 403
        assert client.get(reverse("admin:integrations_synclogentry_add")).status_code == 403
        assert client.get(reverse("admin:integrations_remotelink_delete", args=[link.pk])).status_code == 403
        assert client.get(reverse("admin:integrations_synclogentry_delete", args=[entry.pk])).status_code == 403
        page = client.get(reverse("admin:integrations_synclogentry_change", args=[entry.pk]))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


class TestSecrets:
    def test_secrets_are_never_rendered(self, client, admin_user):
        connection = ZendeskConnectionFactory(**SECRETS)
        client.force_login(admin_user)
        html = client.get(change_url(connection)).content.decode()
        for value in SECRETS.values():
            assert value not in html
        assert html.count("Set. Leave blank to keep it") == len(SECRET_FIELDS)
        listing = client.get(reverse("admin:integrations_connection_changelist")).content.decode()
        assert all(value not in listing for value in SECRETS.values())

    def test_unset_secrets_say_so(self, client, admin_user):
        connection = ZendeskConnectionFactory()
        client.force_login(admin_user)
        html = client.get(change_url(connection)).content.decode()
        assert html.count("Not set.") == len(SECRET_FIELDS) - 1  # the client secret is set

    def test_a_blank_secret_keeps_the_stored_value(self, client, admin_user):
        connection = ZendeskConnectionFactory(**SECRETS)
        client.force_login(admin_user)
        response = client.post(change_url(connection), form_data(connection, name="Renamed"))
        assert response.status_code == 302, response.context["adminform"].form.errors
        connection.refresh_from_db()
        assert connection.name == "Renamed"
        assert {name: getattr(connection, name) for name in SECRET_FIELDS} == SECRETS
        assert connection.token_version == 0

    def test_a_typed_secret_replaces_and_clear_empties(self, client, admin_user):
        connection = ZendeskConnectionFactory(**SECRETS)
        client.force_login(admin_user)
        data = form_data(connection, refresh_token="pasted-refresh-token", clear_webhook_secret="on")
        response = client.post(change_url(connection), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        connection.refresh_from_db()
        assert (connection.refresh_token, connection.webhook_secret) == ("pasted-refresh-token", "")
        assert connection.access_token == SECRETS["access_token"]
        # A new credential invalidates a token refresh that started with the old one.
        assert connection.token_version == 1

    def test_adding_a_connection_stores_its_secrets(self, client, admin_user):
        client.force_login(admin_user)
        new = ZohoConnectionFactory.build(name="Zoho EU", data_centre="eu")
        data = form_data(new, client_secret="typed-client-secret")
        response = client.post(reverse("admin:integrations_connection_add"), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert Connection.objects.get(name="Zoho EU").client_secret == "typed-client-secret"

    def test_the_model_validation_shows_on_the_form(self, client, admin_user):
        connection = ZohoConnectionFactory()
        client.force_login(admin_user)
        response = client.post(change_url(connection), form_data(connection, department_id=""))
        assert response.status_code == 200
        assert "department_id" in response.context["adminform"].form.errors


class TestWarningsAndHealth:
    def test_zendesk_api_tokens_are_warned_about(self, client, admin_user):
        connection = ZendeskConnectionFactory(
            auth_method=AuthMethod.API_TOKEN, api_email="agent@acme.test", api_token="api-token-0123456789"
        )
        oauth = ZendeskConnectionFactory()
        client.force_login(admin_user)
        warning = "Zendesk stops accepting API tokens on 30 April 2027"
        page = client.get(change_url(connection))
        assert [m.level_tag for m in page.context["messages"]] == ["warning"]
        assert warning in page.content.decode()
        assert warning not in client.get(change_url(oauth)).content.decode()

    def test_the_change_page_shows_health_and_the_last_20_log_entries(self, client, admin_user):
        connection = ZendeskConnectionFactory(consecutive_failures=3, last_error="HTTP 503 from the desk")
        SyncLogEntryFactory.create_batch(25, connection=connection, action="old_entry")
        SyncLogEntryFactory(connection=connection, action="newest_entry", outcome=Outcome.FAILED)
        client.force_login(admin_user)
        response = client.get(change_url(connection))
        html = response.content.decode()
        assert 'class="hd-health hd-health-failing"' in html and "HTTP 503 from the desk" in html
        [formset] = response.context["inline_admin_formsets"]
        assert len(formset.formset.forms) == 20
        assert formset.formset.forms[0].instance.action == "newest_entry"
        # The page posts back fine with the read-only inline on it.
        data = form_data(connection, **{"sync_log-TOTAL_FORMS": "20", "sync_log-INITIAL_FORMS": "20"})
        for index, form in enumerate(formset.formset.forms):
            data[f"sync_log-{index}-id"] = str(form.instance.pk)
            data[f"sync_log-{index}-connection"] = str(connection.pk)
        assert client.post(change_url(connection), data).status_code == 302


class TestChangelists:
    def test_connections_list_in_bounded_queries(self, client, admin_user, team, django_assert_max_num_queries):
        ZendeskConnectionFactory(team=team, last_error="boom " * 50)
        ZohoConnectionFactory()
        client.force_login(admin_user)
        url = reverse("admin:integrations_connection_changelist")
        client.get(url)
        ZendeskConnectionFactory.create_batch(5, team=team)
        with django_assert_max_num_queries(6):
            html = client.get(url).content.decode()
        assert html.count('class="hd-health hd-health-never_synced"') == 7
        assert "boom boom" in html and "boom " * 50 not in html

    def test_sync_log_filters_and_bounded_queries(self, client, admin_user, django_assert_max_num_queries):
        connection = ZendeskConnectionFactory()
        link = RemoteLinkFactory(connection=connection)
        SyncLogEntryFactory.create_batch(10, connection=connection, ticket=link.ticket)
        SyncLogEntryFactory(connection=connection, outcome=Outcome.FAILED, action="failed_one")
        client.force_login(admin_user)
        url = reverse("admin:integrations_synclogentry_changelist")
        with django_assert_max_num_queries(7):
            response = client.get(url)
        assert len(response.context["cl"].result_list) == 11
        failed = client.get(url, {"outcome__exact": "failed", "connection__id__exact": connection.pk})
        assert [entry.action for entry in failed.context["cl"].result_list] == ["failed_one"]
        by_number = client.get(url, {"q": link.ticket.number})
        assert len(by_number.context["cl"].result_list) == 10

    def test_remote_links_search_by_ticket_number_or_remote_id(self, client, admin_user, django_assert_max_num_queries):
        links = RemoteLinkFactory.create_batch(5, remote_url="https://acme.zendesk.com/agent/tickets/1")
        client.force_login(admin_user)
        url = reverse("admin:integrations_remotelink_changelist")
        with django_assert_max_num_queries(7):
            html = client.get(url).content.decode()
        assert 'href="https://acme.zendesk.com/agent/tickets/1"' in html
        assert [link.pk for link in client.get(url, {"q": links[2].ticket.number}).context["cl"].result_list] == [
            links[2].pk
        ]
        assert [link.pk for link in client.get(url, {"q": links[3].remote_id}).context["cl"].result_list] == [
            links[3].pk
        ]


class TestRemoteLinksPanel:
    """The ticket page in the console shows where the ticket lives on the external desks."""

    def test_an_agent_sees_each_link_of_the_ticket_on_its_page(self, client, agent):
        link = RemoteLinkFactory(remote_id="77", remote_url="https://acme.zendesk.com/agent/tickets/77")
        RemoteLinkFactory(ticket=link.ticket, connection=ZohoConnectionFactory(name="Zoho EU"), remote_id="")
        other = RemoteLinkFactory(remote_id="99")
        client.force_login(agent)
        html = client.get(reverse("admin:tickets_ticket_change", args=[link.ticket.pk])).content.decode()
        assert "External desks" in html
        assert 'href="https://acme.zendesk.com/agent/tickets/77"' in html
        assert "Zoho EU" in html and "not created yet" in html
        assert f">{other.remote_id}<" not in html
        for name in SECRET_FIELDS:
            secret = getattr(link.connection, name)
            assert not secret or secret not in html

    def test_a_ticket_no_desk_syncs_has_no_panel(self, client, agent):
        link = RemoteLinkFactory()
        ticket = link.ticket
        link.delete()
        client.force_login(agent)
        html = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
        assert ticket.subject in html
        assert "External desks" not in html

    def test_the_panel_is_one_query_whatever_the_links(self, agent, django_assert_num_queries):
        link = RemoteLinkFactory()
        RemoteLinkFactory(ticket=link.ticket, connection=ZohoConnectionFactory())
        with django_assert_num_queries(1):
            template, context = remote_links_panel(link.ticket, agent)
        assert template == "admin/integrations/remote_links_panel.html"
        assert len(context["links"]) == 2

    def test_the_remote_id_links_only_to_web_addresses(self):
        link = RemoteLinkFactory.build(remote_id="77", remote_url="https://acme.zendesk.com/agent/tickets/77")
        assert 'href="https://acme.zendesk.com/agent/tickets/77"' in remote_link(link)
        link.remote_url = "javascript:alert(1)"
        assert remote_link(link) == "77"
        link.remote_id = ""
        assert remote_link(link) == "not created yet"


class TestConnectionPageTools:
    def test_the_webhook_address_to_give_the_desk_is_shown(self, client, admin_user, settings):
        settings.SITE_URL = "https://help.example.com"
        connection = ZendeskConnectionFactory()
        client.force_login(admin_user)
        html = client.get(change_url(connection)).content.decode()
        assert f"https://help.example.com/integrations/zendesk/webhook?connection={connection.pk}" in html

    def test_connect_with_zendesk_is_offered_to_oauth_connections_only(self, client, admin_user):
        oauth = ZendeskConnectionFactory()
        legacy = ZendeskConnectionFactory(
            auth_method=AuthMethod.API_TOKEN, api_email="agent@acme.test", api_token="api-token-0123456789"
        )
        client.force_login(admin_user)
        start = reverse("integrations-api:zendesk-oauth-start")
        assert f"{start}?connection={oauth.pk}" in client.get(change_url(oauth)).content.decode()
        assert start not in client.get(change_url(legacy)).content.decode()


@pytest.mark.django_db
def test_sync_now_pulls_the_chosen_connections(client, admin_user, zendesk):
    from helpdesk.celery import app

    connection = zendesk_connection(zendesk)
    zendesk.create_ticket("Printer on fire", "Smoke", requester_email="cee@example.com")
    client.force_login(admin_user)
    app.conf.task_always_eager = True
    try:
        response = client.post(
            reverse("admin:integrations_connection_changelist"),
            {"action": "sync_now", "_selected_action": [connection.pk]},
            follow=True,
        )
    finally:
        app.conf.task_always_eager = False
    assert "A sync of 1 connection was queued." in response.content.decode()
    assert Ticket.objects.filter(channel="zendesk", subject="Printer on fire").exists()
