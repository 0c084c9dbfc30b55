"""The portal's profile page: the customer's name and which emails they get.

It lives in tickets, not accounts, because the email choices are notification
preferences (a tickets model) and accounts imports nothing from tickets.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_update_profile
from tickets.models import NotificationKind, NotificationPreference
from tickets.services.notifications import notification_preferences_set

# The kinds a customer can receive (tickets/services/notifications.py), in their words.
CUSTOMER_KINDS = {
    NotificationKind.TICKET_CREATED: _("I open a ticket (a confirmation with its number)"),
    NotificationKind.PUBLIC_REPLY: _("Support replies to one of my tickets"),
    NotificationKind.TICKET_RESOLVED: _("One of my tickets is resolved"),
}


# The kinds staff can receive and turn off. Listed, not "every kind": a kind
# added later may not honour preferences (a guest's own link is always sent).
STAFF_KINDS = (
    NotificationKind.TICKET_CREATED,
    NotificationKind.TICKET_ASSIGNED,
    NotificationKind.PUBLIC_REPLY,
    NotificationKind.INTERNAL_NOTE,
    NotificationKind.TICKET_RESOLVED,
    NotificationKind.SLA_AT_RISK,
    NotificationKind.SLA_BREACHED,
)


def kinds_for(user: User) -> dict[str, str]:
    """The notification kinds this user can receive by email, with the words to show for each."""
    if user.role == Role.CUSTOMER:
        return dict(CUSTOMER_KINDS)
    return {kind.value: kind.label for kind in STAFF_KINDS}


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email_kinds = forms.MultipleChoiceField(
        label=_("Email me when"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("You still see every update on the ticket's page."),
    )

    def __init__(self, *args, kinds: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email_kinds"].choices = list(kinds.items())


def email_choices(user: User, kinds: Iterable[str]) -> list[str]:
    """The kinds the user gets by email; a kind without a preference row is on (as notify() reads it)."""
    saved = dict(NotificationPreference.objects.filter(user=user, kind__in=list(kinds)).values_list("kind", "email"))
    return [kind for kind in kinds if saved.get(kind, True)]


@login_required
@csrf_protect
def profile(request: HttpRequest) -> HttpResponse:
    """Change one's name and the emails one gets; links to the password change."""
    user = request.user
    kinds = kinds_for(user)
    initial = {"full_name": user.full_name, "email_kinds": email_choices(user, kinds)}
    form = ProfileForm(request.POST or None, initial=initial, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user_update_profile(user=user, full_name=form.cleaned_data["full_name"])
            wanted = set(form.cleaned_data["email_kinds"])
            notification_preferences_set(user=user, preferences={kind: {"email": kind in wanted} for kind in kinds})
        messages.success(request, _("Your profile has been saved."))
        return redirect("portal-profile")
    context = {"form": form, "has_password": user.has_usable_password()}
    return render(request, "portal/account/profile.html", context, status=400 if form.errors else 200)
