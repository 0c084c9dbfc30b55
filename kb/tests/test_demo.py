"""The demo knowledge base that `make run` loads after the tickets demo."""

import pytest
from django.core.management import call_command

from kb.models import Article, Category

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_articles_the_portal_shows(client):
    call_command("load_demo", "--force", verbosity=0)
    call_command("load_kb_demo", "--force", verbosity=0)
    call_command("load_kb_demo", "--force", verbosity=0)  # safe to run again
    assert Article.objects.count() == 4
    assert set(Article.objects.values_list("status", flat=True)) == {"published"}
    assert Category.objects.get(slug="network-vpn").team.name == "Platform Ops"
    page = client.get("/portal/kb/").content.decode()
    assert "How do I reset my password?" in page and "Connecting to the VPN from home" in page
    results = client.get("/portal/kb/suggest.json", {"q": "vpn timeout"}).json()["results"]
    assert results[0]["title"] == "Connecting to the VPN from home"


def test_without_the_tickets_demo_nothing_is_loaded():
    call_command("load_kb_demo", "--force", verbosity=0)
    assert not Article.objects.exists()
