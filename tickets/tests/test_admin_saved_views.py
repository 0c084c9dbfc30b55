"""Saved personal views in the queue: save, list only mine, open, rename, delete, refusals, queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tickets import services
from tickets.choices import Priority
from tickets.models import SavedView
from tickets.models.views import MAX_PER_USER, QUERY_MAX_LENGTH
from tickets.tests.factories import category

QUEUE = reverse("admin:tickets_ticket_changelist")
SAVE = reverse("admin:tickets_savedview_save")

pytestmark = pytest.mark.django_db


def rename_url(view):
    return reverse("admin:tickets_savedview_rename", args=[view.pk])


def delete_url(view):
    return reverse("admin:tickets_savedview_delete", args=[view.pk])


def listed(response) -> list[str]:
    return sorted(ticket.subject for ticket in response.context["cl"].result_list)


def saved_labels(response) -> list[str]:
    return [tab.label for tab in response.context["tabs"]["saved"]]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def desk(customer, team, agent):
    def open_ticket(subject, priority):
        return services.ticket_create(
            actor=team.lead,
            requester=customer,
            subject=subject,
            category=category(),
            team=team,
            assignee=agent,
            priority=priority,
        )

    return [open_ticket("VPN down", Priority.URGENT), open_ticket("Printer jam", Priority.LOW)]


class TestSaveAndOpen:
    def test_saving_a_filtered_queue_lists_it_and_opening_it_applies_its_filters(self, client, agent, desk):
        client.force_login(agent)
        response = client.post(
            SAVE, {"name": "  My urgent   tickets ", "query": "priority__exact=urgent&view=mine"}, follow=True
        )
        view = SavedView.objects.get(user=agent)
        assert view.name == "My urgent tickets"
        assert view.query == "priority__exact=urgent&view=mine"
        # The save lands on the saved view, marked current.
        assert listed(response) == ["VPN down"]
        assert messages_of(response) == ["View “My urgent tickets” saved."]
        tabs = response.context["tabs"]["saved"]
        assert [(tab.label, tab.current) for tab in tabs] == [("My urgent tickets", True)]

        queue = client.get(QUEUE)
        assert saved_labels(queue) == ["My urgent tickets"]
        assert '<a href="?priority__exact=urgent&amp;view=mine">My urgent tickets</a>' in queue.content.decode()
        assert listed(client.get(QUEUE + view.url)) == ["VPN down"]

    def test_the_page_number_is_not_part_of_a_view_the_form_offers(self, client, agent, desk):
        client.force_login(agent)
        response = client.get(QUEUE, {"q": "vpn", "p": "1", "priority__exact": "urgent"})
        assert response.context["tabs"]["here"] == "priority__exact=urgent&q=vpn"
        assert 'name="query" value="priority__exact=urgent&amp;q=vpn"' in response.content.decode()

    def test_views_keep_the_order_they_were_saved_in(self, client, agent):
        client.force_login(agent)
        for name in ["Zeta", "Alpha", "Mid"]:
            client.post(SAVE, {"name": name, "query": "view=all"})
        assert saved_labels(client.get(QUEUE)) == ["Zeta", "Alpha", "Mid"]


def move_url(view):
    return reverse("admin:tickets_savedview_move", args=[view.pk])


class TestReorder:
    def test_moving_a_view_earlier_or_later_reorders_the_tabs(self, client, agent):
        views = [services.saved_view_create(user=agent, name=name, query="view=all") for name in ["A", "B", "C"]]
        client.force_login(agent)
        response = client.post(move_url(views[2]), {"direction": "up"}, follow=True)
        assert saved_labels(response) == ["A", "C", "B"]
        assert messages_of(response) == ["View “C” moved."]
        assert saved_labels(client.post(move_url(views[0]), {"direction": "down"}, follow=True)) == ["C", "A", "B"]
        # The first moved up and the last moved down stay where they are; the page disables those buttons.
        response = client.post(move_url(views[2]), {"direction": "up"}, follow=True)
        assert saved_labels(response) == ["C", "A", "B"]
        assert 'value="up" disabled' in response.content.decode()

    def test_a_bad_direction_or_another_users_view_changes_nothing(self, client, agent, other_agent):
        mine = services.saved_view_create(user=agent, name="Mine", query="view=all")
        theirs = services.saved_view_create(user=other_agent, name="Theirs", query="view=all")
        client.force_login(agent)
        response = client.post(move_url(mine), {"direction": "sideways"}, follow=True)
        assert messages_of(response) == ["Move a view up or down."]
        assert client.post(move_url(theirs), {"direction": "up"}).status_code == 404
        assert client.get(move_url(mine)).status_code == 405


class TestOnlyMine:
    def test_an_agent_never_sees_another_users_views(self, client, agent, other_agent):
        services.saved_view_create(user=other_agent, name="Theirs", query="view=all")
        services.saved_view_create(user=agent, name="Mine", query="view=mine")
        client.force_login(agent)
        response = client.get(QUEUE)
        assert saved_labels(response) == ["Mine"]
        assert "Theirs" not in response.content.decode()

    def test_another_users_view_cannot_be_renamed_or_deleted(self, client, agent, other_agent):
        theirs = services.saved_view_create(user=other_agent, name="Theirs", query="view=all")
        client.force_login(agent)
        assert client.post(rename_url(theirs), {"name": "Hijacked"}).status_code == 404
        assert client.post(delete_url(theirs)).status_code == 404
        theirs.refresh_from_db()
        assert theirs.name == "Theirs"

    def test_the_same_name_is_free_for_each_user(self, agent, other_agent):
        services.saved_view_create(user=agent, name="Urgent", query="priority__exact=urgent")
        services.saved_view_create(user=other_agent, name="Urgent", query="priority__exact=urgent")
        assert SavedView.objects.filter(name="Urgent").count() == 2

    def test_customers_cannot_save_views(self, client, customer):
        client.force_login(customer)
        response = client.post(SAVE, {"name": "Sneaky", "query": "view=all"})
        assert response.status_code in (302, 403)
        assert not SavedView.objects.exists()

    def test_the_endpoints_take_only_post(self, client, agent):
        view = services.saved_view_create(user=agent, name="Mine", query="view=mine")
        client.force_login(agent)
        assert client.get(SAVE).status_code == 405
        assert client.get(delete_url(view)).status_code == 405
        assert SavedView.objects.filter(pk=view.pk).exists()

    def test_saving_needs_the_csrf_token(self, agent):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        strict.force_login(agent)
        assert strict.post(SAVE, {"name": "Mine", "query": "view=mine"}).status_code == 403
        assert not SavedView.objects.exists()


class TestRenameAndDelete:
    def test_rename_and_delete_my_view(self, client, agent):
        view = services.saved_view_create(user=agent, name="Old", query="view=mine")
        client.force_login(agent)
        response = client.post(rename_url(view), {"name": "New"}, follow=True)
        assert saved_labels(response) == ["New"]
        assert messages_of(response) == ["View renamed to “New”."]
        response = client.post(delete_url(view), follow=True)
        assert saved_labels(response) == []
        assert messages_of(response) == ["View deleted."]
        assert not SavedView.objects.exists()

    def test_renaming_onto_another_of_my_names_is_refused(self, client, agent):
        services.saved_view_create(user=agent, name="Taken", query="view=all")
        view = services.saved_view_create(user=agent, name="Mine", query="view=mine")
        client.force_login(agent)
        response = client.post(rename_url(view), {"name": "Taken"}, follow=True)
        assert response.status_code == 200
        assert messages_of(response) == ["You already have a view with that name."]
        view.refresh_from_db()
        assert view.name == "Mine"


class TestBadInput:
    @pytest.mark.parametrize(
        ("name", "query", "message"),
        [
            ("", "view=all", "Give the view a name."),
            ("   ", "view=all", "Give the view a name."),
            ("x" * 61, "view=all", "A view's name has at most 60 characters."),
            ("Paged", "view=all&p=3", "Not a queue filter: p."),
            ("Odd", "evil=1&_popup=1", "Not a queue filter: _popup, evil."),
            ("Long", "q=" + "a" * QUERY_MAX_LENGTH, f"A view's filters take at most {QUERY_MAX_LENGTH} characters."),
        ],
    )
    def test_bad_names_and_queries_are_refused_with_a_message(self, client, agent, name, query, message):
        client.force_login(agent)
        response = client.post(SAVE, {"name": name, "query": query}, follow=True)
        assert response.status_code == 200
        assert messages_of(response) == [message]
        assert not SavedView.objects.exists()

    def test_a_duplicate_name_is_refused_with_a_message(self, client, agent):
        services.saved_view_create(user=agent, name="Urgent", query="priority__exact=urgent")
        client.force_login(agent)
        response = client.post(SAVE, {"name": "Urgent", "query": "view=all"}, follow=True)
        assert messages_of(response) == ["You already have a view with that name."]
        assert SavedView.objects.get().query == "priority__exact=urgent"

    def test_a_missing_form_is_a_message_not_a_500(self, client, agent):
        client.force_login(agent)
        response = client.post(SAVE, follow=True)
        assert response.status_code == 200
        assert messages_of(response) == ["Give the view a name."]

    def test_the_number_of_views_is_bounded(self, client, agent):
        for index in range(MAX_PER_USER):
            services.saved_view_create(user=agent, name=f"View {index}", query="view=all")
        client.force_login(agent)
        response = client.post(SAVE, {"name": "One more", "query": "view=all"}, follow=True)
        assert messages_of(response) == [f"You have {MAX_PER_USER} views already; delete one first."]
        assert SavedView.objects.filter(user=agent).count() == MAX_PER_USER

    def test_an_unknown_view_is_a_404(self, client, agent):
        client.force_login(agent)
        assert client.post(reverse("admin:tickets_savedview_delete", args=[999999])).status_code == 404


class TestQueries:
    def queue_queries(self, client) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE).status_code == 200
        return [query["sql"] for query in queries.captured_queries]

    def test_the_users_views_are_one_query_however_many(self, client, agent, desk):
        client.force_login(agent)
        self.queue_queries(client)  # warm up the per-process caches
        none = self.queue_queries(client)
        for index in range(8):
            services.saved_view_create(user=agent, name=f"View {index}", query=f"q=word{index}")
        eight = self.queue_queries(client)
        assert len(eight) == len(none)
        assert sum('"tickets_savedview"' in sql for sql in eight) == 1


class TestDashboardLinks:
    def test_a_dashboard_link_saves_its_statuses_and_says_which_dates_it_drops(self, client, agent, desk):
        client.force_login(agent)
        response = client.get(QUEUE, {"status__in": "new,open", "created_at__date": "2026-12-04", "p": "1"})
        assert response.context["tabs"]["here"] == "status__in=new%2Copen"
        assert response.context["tabs"]["unsaved"] == ["created_at__date"]
        assert "Not kept in a saved view: created_at__date" in response.content.decode()
        client.post(SAVE, {"name": "New and open", "query": response.context["tabs"]["here"]})
        assert listed(client.get(QUEUE + SavedView.objects.get().url)) == ["Printer jam", "VPN down"]
