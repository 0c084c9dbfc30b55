"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against pytest-django's ``live_server``.

Fixtures: ``browser`` (session), ``page`` (a fresh context per test, internet blocked),
``blocked_requests`` (the URLs ``page`` refused), ``screenshot(page, name)`` and
``login(page, live_server, email, password)``. Every test under ``e2e/`` is marked ``e2e``.

Pitfalls solved here, so tests need not think about them:

- Playwright's sync API runs an asyncio event loop in the test's own thread (in a greenlet),
  and it stays "running" while the browser is open. Django's ORM sees that loop and raises
  ``SynchronousOnlyOperation`` for every query a test makes (factories included). Nothing here
  is async, so the guard is turned off for the test process below, at import, before any
  fixture runs. The same loop makes Django hand the test thread other connection objects
  (see ``_playwright``). And so the e2e tests run last in a session: after the first of them,
  ``asyncio.run()`` or ``async_to_sync`` in the test thread would fail until the browser closes
  at the end of the session.
- ``live_server`` serves from another thread with its own database connection, so it sees only
  committed rows: e2e tests need ``django_db(transaction=True)``. A transactional test empties
  every table afterwards, including the categories and SLA policies the migrations seed, so we
  use ``serialized_rollback=True`` too, as the suite's other transactional tests do. Tests
  without a ``django_db`` mark get both; a mark of a test's own must say both. The SQLite test database is a file
  (``var/test/test.sqlite3``), not memory, so the server thread opens it like any process would.
- Static files: pytest-django's live server serves them through staticfiles' finders (as
  ``StaticLiveServerTestCase`` does), so the admin is styled without ``collectstatic``; the test
  settings turn the manifest storage off (``STATIC_MANIFEST=false`` in pyproject.toml).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

# Must be set before any test touches the ORM; see the module docstring.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Page, Playwright, Route, expect, sync_playwright  # noqa: E402

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    # Root in a container has no user namespaces for Chromium's sandbox.
    "--no-sandbox",
    "--disable-gpu",
    # /dev/shm is 64 MB in Docker; Chromium crashes on big pages without this.
    "--disable-dev-shm-usage",
    # No update checks, field trials or safe-browsing lists: the browser itself stays offline.
    "--disable-background-networking",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 900}
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def pytest_itemcollected(item: pytest.Item) -> None:
    # Called for the items of this directory only, before `-m` selects: `-m "not e2e"` works.
    item.add_marker(pytest.mark.e2e)
    if item.get_closest_marker("django_db") is None:
        item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Last (trylast: after pytest-django has put the database tests in Django's order), so the
    # browser's event loop exists only once every other test has run. This hook sees the whole
    # session's items, not only this directory's.
    ours = [item for item in items if item.get_closest_marker("e2e")]
    ids = {id(item) for item in ours}
    items[:] = [item for item in items if id(item) not in ids] + ours


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Playwright]:
    from django.db import connections

    # Django keeps database connections in an asgiref Local that is thread-local while no event
    # loop runs in the thread, and a separate context-var store while one does. Once Playwright's
    # loop runs, the test thread would get new connection objects: not the ones the test database
    # was set up with, so `serialized_rollback` would silently restore nothing (the connection
    # holding the serialized data is no longer the one the test sees). Put the same objects in
    # the loop-time store.
    before = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in before.items():
            connections[alias] = connection
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright: Playwright) -> Iterator[Browser]:
    """Debian's headless Chromium (``CHROMIUM_PATH``, default /usr/bin/chromium), never a downloaded one."""
    executable = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if not os.access(executable, os.X_OK):
        pytest.fail(
            f"The browser tests need Chromium at {executable}, which is missing. Install Debian's package "
            "(`apt-get install -y chromium chromium-driver`; `make test` does it when run as root), or point "
            'CHROMIUM_PATH at a Chromium binary. Skip the browser tests with -m "not e2e".',
            pytrace=False,
        )
    browser = _playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def blocked_requests() -> list[str]:
    """The URLs the ``page`` fixture refused to fetch because they were not on this machine."""
    return []


@pytest.fixture
def page(browser: Browser, live_server, blocked_requests: list[str]) -> Iterator[Page]:
    """A new browser context and page for one test: fixed viewport, 10 s timeouts, no internet.

    Relative URLs resolve against the live server: ``page.goto("/admin/")``.
    """
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url, service_workers="block")

    def only_this_machine(route: Route) -> None:
        # Every request the page makes (documents, assets, fetch/XHR) passes here; a test can never
        # reach the internet, even by a stray link or a CDN reference in a template.
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked_requests.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", only_this_machine)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _screenshot_dir() -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or "var/screenshots")
    return folder if folder.is_absolute() else REPO_ROOT / folder


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """``screenshot(page, name)``: saves a full-page ``<name>.png``, returns its path.

    The folder is var/screenshots/ in the repository, or ``$SCREENSHOT_DIR`` (relative to the repository).
    """

    def take(page: Page, name: str) -> Path:
        folder = _screenshot_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login() -> Callable[..., None]:
    """``login(page, live_server, email, password)``: signs in through the admin's login form."""

    def sign_in(page: Page, live_server, email: str, password: str) -> None:
        page.goto(f"{live_server.url}/admin/login/")
        page.locator("input[name=username]").fill(email)
        page.locator("input[name=password]").fill(password)
        page.get_by_role("button", name="Log in").click()
        # Anywhere in the admin but the login page (a ?next= may send it further than the index).
        expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/admin/(?!login/)"))
        expect(page.locator("#user-tools")).to_be_visible()

    return sign_in


@pytest.fixture
def service_desk() -> SimpleNamespace:
    """The console tests' people: Alex the agent and Liam the lead in the Service Desk team, Cara the customer.

    ``service_desk.open(subject, **fields)`` opens a ticket for Cara in that team, as Liam.
    """
    from accounts.roles import Role
    from accounts.tests.factories import TeamFactory, UserFactory
    from tickets import services
    from tickets.tests.factories import category

    agent = UserFactory(email="agent@example.com", full_name="Alex Agent", role=Role.AGENT)
    lead = UserFactory(email="lead@example.com", full_name="Liam Lead", role=Role.TEAM_LEAD)
    customer = UserFactory(email="cara@example.com", full_name="Cara Customer", role=Role.CUSTOMER)
    team = TeamFactory(name="Service Desk", lead=lead, members=[agent, lead])

    def open_ticket(subject: str, **fields):
        return services.ticket_create(
            actor=lead, requester=customer, subject=subject, category=category(), team=team, **fields
        )

    return SimpleNamespace(agent=agent, lead=lead, customer=customer, team=team, open=open_ticket)
