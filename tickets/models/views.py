"""Saved views: an agent's own named queue filters, shown as tabs beside the built-in views."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The queue's own parameters a saved view may hold: the filters, the search, the ordering and
# the view tab (and the dashboard's status__in and assignee__isnull). Anything else is not part
# of a view: the page, "show all", and the dashboard's dates ("created today"), which would freeze.
QUERY_PARAMETERS = frozenset(
    {
        "view",
        "status__exact",
        "status__in",
        "priority__exact",
        "team__id__exact",
        "team__isnull",
        "assignee",
        "assignee__isnull",
        "category__id__exact",
        "tag",
        "sla",
        "q",
        "o",
    }
)
# Where the queue is, not what it shows: left out of a view without a word.
PLACES = frozenset({"p", "all", "e"})
QUERY_MAX_LENGTH = 500
NAME_MAX_LENGTH = 60
# An agent's tabs fit on one line; past this they would be a list nobody reads.
MAX_PER_USER = 20


def normalized_query(query: str) -> tuple[str, list[str]]:
    """The query string with its known parameters in a stable order, and the unknown names.

    ``"q=vpn&priority__exact=urgent&p=2"`` gives ``("priority__exact=urgent&q=vpn", ["p"])``.
    """
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=False)
    unknown = sorted({name for name, _value in pairs if name not in QUERY_PARAMETERS})
    kept = sorted((name, value) for name, value in pairs if name in QUERY_PARAMETERS)
    return urlencode(kept), unknown


class SavedView(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    # The queue's query string without the "?", e.g. "priority__exact=urgent&q=vpn".
    query = models.CharField(_("query"), max_length=QUERY_MAX_LENGTH, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_view_unique_name_per_user")]

    def __str__(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        return "?" + self.query if self.query else "?"
