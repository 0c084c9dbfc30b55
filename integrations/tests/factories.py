"""Factories for the integrations' models. Secrets are plaintext here; the field encrypts them."""

import factory

from integrations.models import AuthMethod, Connection, Direction, Outcome, Provider, RemoteLink, SyncLogEntry
from tickets.tests.factories import TicketFactory


class ZendeskConnectionFactory(factory.django.DjangoModelFactory):
    """A Zendesk connection on OAuth, with a client but no tokens yet."""

    class Meta:
        model = Connection

    name = factory.Sequence(lambda n: f"Zendesk {n}")
    provider = Provider.ZENDESK
    subdomain = "acme"
    auth_method = AuthMethod.OAUTH
    client_id = "helpdesk"
    client_secret = factory.Sequence(lambda n: f"zendesk-client-secret-{n:04d}")


class ZohoConnectionFactory(factory.django.DjangoModelFactory):
    """A Zoho Desk connection in the US data centre, with a client but no tokens yet."""

    class Meta:
        model = Connection

    name = factory.Sequence(lambda n: f"Zoho {n}")
    provider = Provider.ZOHO
    org_id = "60001"
    department_id = factory.Sequence(lambda n: str(7000 + n))
    auth_method = AuthMethod.OAUTH
    client_id = "1000.CLIENT"
    client_secret = factory.Sequence(lambda n: f"zoho-client-secret-{n:04d}")


class RemoteLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RemoteLink

    ticket = factory.SubFactory(TicketFactory)
    connection = factory.SubFactory(ZendeskConnectionFactory)
    remote_id = factory.Sequence(lambda n: str(1000 + n))


class SyncLogEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncLogEntry

    connection = factory.SubFactory(ZendeskConnectionFactory)
    direction = Direction.PUSH
    action = "create_ticket"
    outcome = Outcome.OK
