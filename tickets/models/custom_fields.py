"""Custom ticket fields: typed fields admins define, and each ticket's values of them.

A value is one row per (ticket, field) with one typed column per kind of value (text, number,
date, flag), not a JSON blob on the ticket nor a column per field:

- filtering is exact or ranged on a typed column, answered by a composite b-tree index
  ``(field, <column>, ticket)`` on PostgreSQL and SQLite alike (a JSON key would need a GIN or
  expression index per field on PostgreSQL and has none on SQLite);
- defining a field is a row, never a migration, and an empty value is no row at all;
- a page of tickets reads its values in one query by ticket id (the ``(ticket, field)`` unique
  index), and the CSV export joins them in SQL.

Dropdown values are text; a checkbox stores a row only when ticked (absent means false).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Bounds that keep a number exact as a JSON number (a double holds 15 significant digits).
NUMBER_DIGITS = 21
NUMBER_PLACES = 6
TEXT_MAX = 255

# No double underscore: ``cf_<key>__gte`` splits the filter's lookup off at the first one.
key_validator = RegexValidator(
    r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$",
    _("Lower-case letters and digits, words joined by single underscores, starting with a letter (at most 40)."),
)


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    DROPDOWN = "dropdown", _("Dropdown")
    CHECKBOX = "checkbox", _("Checkbox")


class CustomField(models.Model):
    label = models.CharField(_("label"), max_length=100)
    # The name in the API (``custom_fields.invoice_number``, ``cf_invoice_number=``) and the CSV:
    # unchangeable once a ticket has a value (clients and saved filters name it).
    key = models.CharField(
        _("key"),
        max_length=40,
        unique=True,
        validators=[key_validator],
        help_text=_(
            "The name in the API (custom_fields), in cf_<key> filters and in the CSV: lower case, words joined by "
            "underscores (hyphens become underscores). It cannot change once a ticket has a value."
        ),
    )
    type = models.CharField(_("type"), max_length=10, choices=FieldType.choices)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("Dropdown only: the values offered, in order.")
    )
    # None chosen: the field is on every ticket.
    categories = models.ManyToManyField(
        "tickets.Category",
        blank=True,
        related_name="custom_fields",
        verbose_name=_("categories"),
        help_text=_("Leave empty for every ticket."),
    )
    required = models.BooleanField(
        _("required"),
        default=False,
        help_text=_(
            "Asked when a ticket is opened in the API, the console and (when customer-visible) the portal. "
            "Email and the external desks never block on it."
        ),
    )
    customer_visible = models.BooleanField(
        _("customer-visible"), default=False, help_text=_("Customers see and fill it in the portal and the API.")
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive fields are hidden everywhere; their values are kept.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    help_text = models.CharField(_("help text"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["position", "label", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(type__in=FieldType.values), name="custom_field_type_valid"),
        ]

    def __str__(self) -> str:
        return self.label

    def is_used(self) -> bool:
        return self.pk is not None and self.values.exists()

    def clean(self) -> None:
        super().clean()
        self.key = (self.key or "").strip().lower()
        errors: dict[str, str] = {}
        if self.type == FieldType.DROPDOWN:
            choices = self.choices if isinstance(self.choices, list) else None
            if not choices or not all(isinstance(c, str) and c.strip() for c in choices):
                errors["choices"] = _("A dropdown needs a list of non-empty texts.")
            elif len({c.strip() for c in choices}) != len(choices):
                errors["choices"] = _("Each choice once.")
            elif any(len(c) > TEXT_MAX for c in choices):
                errors["choices"] = _("A choice has at most %(max)d characters.") % {"max": TEXT_MAX}
            else:
                self.choices = [c.strip() for c in choices]
        elif self.choices:
            errors["choices"] = _("Only a dropdown has choices.")
        if self.pk is not None:
            stored = CustomField.objects.filter(pk=self.pk).values("key", "type").first()
            if stored and (stored["key"] != self.key or stored["type"] != self.type) and self.is_used():
                errors["key" if stored["key"] != self.key else "type"] = _(
                    "Tickets have values of this field: its key and type can no longer change."
                )
        if errors:
            raise ValidationError(errors)


class CustomFieldValue(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="custom_values")
    # PROTECT: a used field is retired (inactive), not deleted with its data.
    field = models.ForeignKey(CustomField, on_delete=models.PROTECT, related_name="values")
    # NULL, not "", in the columns of the other types: each row fills only its own type's column.
    text = models.CharField(_("text"), max_length=TEXT_MAX, null=True, blank=True)  # noqa: DJ001
    number = models.DecimalField(_("number"), max_digits=NUMBER_DIGITS, decimal_places=NUMBER_PLACES, null=True)
    date = models.DateField(_("date"), null=True)
    flag = models.BooleanField(_("flag"), null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "field"], name="custom_value_once_per_ticket"),
        ]
        indexes = [
            models.Index(fields=["field", "text", "ticket"], name="custom_value_text_idx"),
            models.Index(fields=["field", "number", "ticket"], name="custom_value_number_idx"),
            models.Index(fields=["field", "date", "ticket"], name="custom_value_date_idx"),
            models.Index(fields=["field", "flag", "ticket"], name="custom_value_flag_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.field_id} on {self.ticket_id}"
