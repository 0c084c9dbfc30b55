"""The API docs render in the browser with no request to another host (README: no CDN anywhere)."""

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize(("path", "ready"), [("/api/redoc/", "API docs by Redocly"), ("/api/docs/", "Helpdesk API")])
def test_api_docs_render_without_a_request_to_another_host(page, blocked_requests, path, ready):
    page.goto(path)
    expect(page.get_by_text(ready).first).to_be_visible(timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert blocked_requests == []
