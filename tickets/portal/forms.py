"""The portal's forms, in the words customers use."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy as ngettext

from tickets.choices import Priority
from tickets.custom_fields import customer_fields
from tickets.forms import MultipleFileField, add_custom_fields, upload_problems
from tickets.models import Category

# How customers think of urgency; stored as the usual priorities.
CUSTOMER_PRIORITIES = [
    (Priority.LOW, _("Low — a question, or a small annoyance")),
    (Priority.MEDIUM, _("Normal — something does not work as it should")),
    (Priority.HIGH, _("High — it stops me from working")),
    (Priority.URGENT, _("Urgent — a service is down for many people")),
]


class FilesForm(forms.Form):
    files = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Optional. Images, PDF, Office documents, text, logs or archives; at most 50 MB each."),
    )

    def clean_files(self):
        uploads = self.cleaned_data["files"]
        if problems := upload_problems(uploads):
            # A browser never keeps chosen files across a page that comes back with an error: say so.
            refused = len(problems)
            if len(uploads) > refused:
                problems.append(
                    _("Nothing was sent. Your other files were fine, but choose them again with your message.")
                )
            else:
                problems.append(
                    ngettext(
                        "Nothing was sent. Send your message without this file, or choose another one.",
                        "Nothing was sent. Send your message without these files, or choose others.",
                        refused,
                    )
                )
            raise forms.ValidationError(problems)
        return uploads


class NewTicketForm(FilesForm):
    subject = forms.CharField(label=_("Subject"), max_length=255, help_text=_("A short summary of the problem."))
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happened, what you expected, and what you already tried."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), empty_label=None
    )
    priority = forms.ChoiceField(label=_("How urgent is it?"), choices=CUSTOMER_PRIORITIES, initial=Priority.MEDIUM)

    field_order = ["subject", "description", "category", "priority", "files"]

    class Media:
        js = ["helpdesk/custom-fields.js"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The customer-visible custom fields, shown for their categories (custom-fields.js), before the files.
        add_custom_fields(self, customer_fields())
        self.order_fields([name for name in self.fields if name != "files"] + ["files"])


class GuestTicketForm(NewTicketForm):
    email = forms.EmailField(
        label=_("Your email address"), help_text=_("We send the link to your ticket here. No account needed.")
    )
    name = forms.CharField(label=_("Your name"), max_length=150, required=False)

    field_order = ["email", "name", *NewTicketForm.field_order]


class ReplyForm(FilesForm):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 5}))

    field_order = ["body", "files"]


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen it?"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


# The score in words, best first (stored as 5 to 1, as the API and the reports count it).
SCORE_WORDS = [
    (5, _("Very satisfied")),
    (4, _("Satisfied")),
    (3, _("Neither satisfied nor dissatisfied")),
    (2, _("Dissatisfied")),
    (1, _("Very dissatisfied")),
]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled this ticket?"),
        choices=SCORE_WORDS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us? (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class TicketFilterForm(forms.Form):
    STATES = [("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))]

    state = forms.ChoiceField(label=_("Show"), choices=STATES, required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)


class GuestRenewForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"))
    number = forms.CharField(label=_("Ticket number"), max_length=32, help_text=_("For example TICK-20261123-0001."))
