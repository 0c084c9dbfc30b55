"""Connections (validation, URLs, health) and the id mappings' constraints."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import (
    DEFAULT_ZOHO_PRIORITIES,
    AuthMethod,
    Connection,
    DataCentre,
    Health,
    Provider,
    RemoteComment,
    RemoteLink,
    SyncState,
)
from integrations.tests.factories import RemoteLinkFactory, ZendeskConnectionFactory, ZohoConnectionFactory
from tickets.tests.factories import CommentFactory, TicketFactory

pytestmark = pytest.mark.django_db


def errors_of(connection: Connection) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        connection.full_clean()
    return caught.value.message_dict


def refused(**kwargs) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        kwargs.pop("model").objects.create(**kwargs)


class TestValidation:
    def test_valid_connections_pass(self):
        ZendeskConnectionFactory.build().full_clean()
        ZohoConnectionFactory.build().full_clean()

    def test_zendesk_needs_a_subdomain_unless_a_base_url_is_given(self):
        connection = ZendeskConnectionFactory.build(subdomain="")
        assert "subdomain" in errors_of(connection)
        connection.base_url_override = "http://127.0.0.1:8081"
        connection.full_clean()

    def test_zendesk_subdomain_is_a_host_label(self):
        assert "subdomain" in errors_of(ZendeskConnectionFactory.build(subdomain="acme.zendesk.com"))
        assert "subdomain" in errors_of(ZendeskConnectionFactory.build(subdomain="-acme"))

    def test_zendesk_api_token_needs_the_email_and_the_token(self):
        connection = ZendeskConnectionFactory.build(auth_method=AuthMethod.API_TOKEN, client_id="", client_secret="")
        assert {"api_email", "api_token"} <= set(errors_of(connection))
        connection.api_email, connection.api_token = "agent@acme.test", "token-0123456789"
        connection.full_clean()

    def test_oauth_needs_the_client(self):
        assert {"client_id", "client_secret"} <= set(
            errors_of(ZendeskConnectionFactory.build(client_id="", client_secret=""))
        )

    def test_zoho_needs_the_organization_and_department(self):
        errors = errors_of(ZohoConnectionFactory.build(org_id="", department_id=""))
        assert {"org_id", "department_id"} <= set(errors)

    def test_zoho_has_no_api_tokens(self):
        connection = ZohoConnectionFactory.build(auth_method=AuthMethod.API_TOKEN, api_email="a@b.test", api_token="t")
        assert "auth_method" in errors_of(connection)

    def test_zoho_priorities_are_a_list_of_names(self):
        assert ZohoConnectionFactory.build().zoho_priorities == list(DEFAULT_ZOHO_PRIORITIES)
        for bad in [[], "Low,High", ["Low", ""], [1, 2]]:
            assert "zoho_priorities" in errors_of(ZohoConnectionFactory.build(zoho_priorities=bad)), bad
        ZohoConnectionFactory.build(zoho_priorities=["P4", "P3", "P2", "P1"]).full_clean()

    def test_status_overrides_name_local_statuses(self):
        ZendeskConnectionFactory.build(status_map_overrides={"on_hold": "pending"}).full_clean()
        for bad in [{"waiting": "pending"}, {"on_hold": ""}, ["on_hold"]]:
            assert "status_map_overrides" in errors_of(ZendeskConnectionFactory.build(status_map_overrides=bad)), bad

    def test_the_database_refuses_zoho_on_api_tokens(self):
        refused(
            model=Connection,
            name="bad",
            provider=Provider.ZOHO,
            auth_method=AuthMethod.API_TOKEN,
            org_id="1",
            department_id="2",
        )
        refused(model=Connection, name="bad", provider="freshdesk")


class TestUrls:
    @pytest.mark.parametrize(
        ("centre", "domain"),
        [
            (DataCentre.COM, "zoho.com"),
            (DataCentre.EU, "zoho.eu"),
            (DataCentre.IN, "zoho.in"),
            (DataCentre.AU, "zoho.com.au"),
            (DataCentre.JP, "zoho.jp"),
            (DataCentre.CA, "zohocloud.ca"),
            (DataCentre.CN, "zoho.com.cn"),
        ],
    )
    def test_zoho_hosts_per_data_centre(self, centre, domain):
        connection = ZohoConnectionFactory.build(data_centre=centre)
        assert connection.accounts_base() == f"https://accounts.{domain}"
        assert connection.desk_base() == f"https://desk.{domain}"
        assert connection.api_base() == f"https://desk.{domain}/api/v1"

    def test_zendesk_lives_on_its_subdomain(self):
        connection = ZendeskConnectionFactory.build(subdomain="acme")
        assert connection.api_base() == connection.accounts_base() == "https://acme.zendesk.com"

    def test_an_override_replaces_every_host(self):
        zoho = ZohoConnectionFactory.build(data_centre=DataCentre.EU, base_url_override="http://127.0.0.1:8081/")
        assert zoho.accounts_base() == zoho.desk_base() == "http://127.0.0.1:8081"
        assert zoho.api_base() == "http://127.0.0.1:8081/api/v1"
        zendesk = ZendeskConnectionFactory.build(base_url_override="http://127.0.0.1:8082")
        assert zendesk.api_base() == zendesk.accounts_base() == "http://127.0.0.1:8082"


class TestState:
    def test_health(self):
        connection = ZendeskConnectionFactory.build()
        assert connection.health == Health.NEVER_SYNCED
        connection.last_success_at = connection.last_sync_at = connection.created_at
        assert connection.health == Health.OK
        connection.consecutive_failures = 2
        assert connection.health == Health.FAILING
        connection.is_active = False
        assert connection.health == Health.INACTIVE

    def test_an_access_token_is_refreshed_shortly_before_it_ends(self):
        now = timezone.now()
        connection = ZendeskConnectionFactory.build()
        assert connection.access_token_expired(now)
        connection.access_token = "access-token"
        assert not connection.access_token_expired(now)
        connection.access_token_expires_at = now + timedelta(minutes=10)
        assert not connection.access_token_expired(now)
        assert connection.access_token_expired(now + timedelta(minutes=9))
        assert connection.access_token_expired(now, margin=timedelta(minutes=10))

    def test_only_zendesk_api_tokens_get_the_2027_warning(self):
        assert ZendeskConnectionFactory.build(auth_method=AuthMethod.API_TOKEN).uses_api_token_warning
        assert not ZendeskConnectionFactory.build().uses_api_token_warning
        assert not ZohoConnectionFactory.build().uses_api_token_warning

    def test_redact_blanks_out_the_secrets(self):
        connection = ZendeskConnectionFactory.build(access_token="tok-0123456789", client_secret="cs-abcdefgh")
        text = connection.redact("401 for tok-0123456789 with cs-abcdefgh at acme")
        assert text == "401 for [redacted] with [redacted] at acme"

    def test_secret_is_set(self):
        connection = ZendeskConnectionFactory.build(access_token="tok")
        assert connection.secret_is_set("access_token") and not connection.secret_is_set("refresh_token")
        with pytest.raises(ValueError, match="not a secret"):
            connection.secret_is_set("client_id")


class TestMappings:
    def test_one_link_per_ticket_and_connection(self):
        link = RemoteLinkFactory()
        refused(model=RemoteLink, ticket=link.ticket, connection=link.connection, remote_id="other")
        RemoteLinkFactory(ticket=link.ticket, connection=ZohoConnectionFactory())

    def test_a_remote_id_maps_to_one_ticket_per_connection(self):
        link = RemoteLinkFactory(remote_id="42")
        refused(model=RemoteLink, ticket=TicketFactory(), connection=link.connection, remote_id="42")
        RemoteLinkFactory(remote_id="42", connection=ZendeskConnectionFactory())

    def test_links_not_created_remotely_yet_may_share_the_blank_id(self):
        connection = ZendeskConnectionFactory()
        first = RemoteLinkFactory(connection=connection, remote_id="")
        second = RemoteLinkFactory(connection=connection, remote_id="")
        assert first.push_state == second.push_state == RemoteLink.PushState.PENDING
        assert first.idempotency_key and first.idempotency_key != second.idempotency_key

    def test_comment_mapping_is_unique_both_ways(self):
        connection = ZendeskConnectionFactory()
        comment = CommentFactory()
        RemoteComment.objects.create(comment=comment, connection=connection, remote_id="9", direction="pull")
        refused(model=RemoteComment, comment=comment, connection=connection, remote_id="10", direction="pull")
        refused(model=RemoteComment, comment=CommentFactory(), connection=connection, remote_id="9", direction="push")
        RemoteComment.objects.create(comment=CommentFactory(), connection=connection, remote_id="", direction="push")
        RemoteComment.objects.create(comment=CommentFactory(), connection=connection, remote_id="", direction="push")
        refused(model=RemoteComment, comment=CommentFactory(), connection=connection, remote_id="11", direction="x")

    def test_one_sync_state_per_kind(self):
        connection = ZendeskConnectionFactory()
        SyncState.objects.create(connection=connection, kind=SyncState.Kind.PULL_TICKETS)
        refused(model=SyncState, connection=connection, kind=SyncState.Kind.PULL_TICKETS)
        refused(model=SyncState, connection=connection, kind="")

    def test_a_team_in_use_cannot_be_deleted(self, team):
        ZendeskConnectionFactory(team=team)
        with pytest.raises(IntegrityError), transaction.atomic():
            team.delete()
