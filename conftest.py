"""Fixtures shared by every app's tests: one user per role, their teams, and an outsider."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from accounts.tests.factories import OrganizationFactory, TeamFactory, UserFactory


def pytest_itemcollected(item: pytest.Item) -> None:
    """Every transactional database test restores the migrated data it emptied.

    A transactional test ends by flushing every table, and Django then re-creates the
    content types under new ids; a later test with ``serialized_rollback`` would reload
    the old ids and fail. With the flag on every such test, each one reloads what the
    migrations made and none re-creates it behind the others' back.
    """
    marker = item.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
        flagged = pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True})
        item.add_marker(flagged, append=False)


@pytest.fixture(autouse=True, scope="session")
def _own_task_queue():
    """Tasks the suite enqueues go to a queue of this run only, never to a shared broker's default queue."""
    import uuid

    from helpdesk.celery import app

    app.conf.task_default_queue = f"test-{uuid.uuid4().hex[:12]}"
    yield
    with app.connection_for_write() as connection:
        # Leave nothing behind on a shared broker.
        connection.default_channel.queue_delete(app.conf.task_default_queue)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    from helpdesk.cache import forget_here
    from tickets.custom_fields import forget_cached_fields

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Cached hints (custom field definitions, who listens to ticket changes) outlive a test's rolled-back
    # rows: each test starts without them.
    forget_cached_fields()
    forget_here()
    yield
    forget_cached_fields()
    forget_here()


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme")


@pytest.fixture
def customer(db, org):
    return UserFactory(email="customer@example.com", role=Role.CUSTOMER, organization=org)


@pytest.fixture
def other_customer(db):
    """An outsider: another organization's customer, who must get 404 on others' tickets."""
    return UserFactory(email="outsider@example.com", role=Role.CUSTOMER, organization=OrganizationFactory(name="Other"))


@pytest.fixture
def agent(db):
    return UserFactory(email="agent@example.com", role=Role.AGENT)


@pytest.fixture
def other_agent(db):
    return UserFactory(email="agent2@example.com", role=Role.AGENT)


@pytest.fixture
def team_lead(db):
    return UserFactory(email="lead@example.com", role=Role.TEAM_LEAD)


@pytest.fixture
def manager(db):
    return UserFactory(email="manager@example.com", role=Role.MANAGER)


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@example.com", role=Role.ADMIN)


@pytest.fixture
def team(db, agent, team_lead):
    return TeamFactory(name="Support", lead=team_lead, members=[agent, team_lead])


@pytest.fixture
def other_team(db, other_agent):
    return TeamFactory(name="Infrastructure", members=[other_agent])


@pytest.fixture
def api():
    """``api(user)``: an API client signed in with a real JWT access token (``api()`` is anonymous)."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return make


@pytest.fixture
def eager():
    """Celery tasks run in the caller, as a worker would run them (``task_always_eager``)."""
    from helpdesk.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def broker_down():
    """Celery pointed at a port where nothing listens: every publish is refused, as with a down broker."""
    from kombu import pools

    from helpdesk.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool, app.amqp._producer_pool = None, None  # the pools hold connections to the old broker
    yield
    app.pool.force_close_all()
    app.conf.broker_url = original
    app._pool, app.amqp._producer_pool = None, None
    # kombu keeps producer pools by broker address, process-wide: the closed one of the dead address
    # would be handed to the next test that points Celery there (even its eager tasks acquire one).
    pools.reset()
