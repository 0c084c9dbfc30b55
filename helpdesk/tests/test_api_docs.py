"""The API docs pages load nothing from another host (README: no CDN anywhere)."""

import re

import pytest

FOREIGN = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("path", ["/api/redoc/", "/api/docs/"])
def test_docs_pages_reference_only_our_own_files_and_forbid_other_hosts(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert not FOREIGN.findall(html), FOREIGN.findall(html)
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html
    # What the page's scripts would fetch on their own (ReDoc's logo from cdn.redoc.ly) the
    # browser refuses: every kind of request is limited to this site.
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    for directive in ("img-src", "font-src", "connect-src", "style-src", "script-src"):
        assert not re.search(r"https?:|\*", policy[directive]), (directive, policy[directive])


def test_redoc_uses_the_system_fonts_instead_of_google_fonts(client):
    html = client.get("/api/redoc/").content.decode()
    assert '"fontFamily": "system-ui' in html
