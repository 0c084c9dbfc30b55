"""Form pieces the console and the portal share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from helpdesk.errors import HelpdeskError
from tickets.custom_fields import FieldSpec
from tickets.models import FieldType
from tickets.models.custom_fields import NUMBER_DIGITS, NUMBER_PLACES, TEXT_MAX
from tickets.services.attachments import attachment_check, safe_filename


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def upload_problems(uploads: list[UploadedFile]) -> list[str]:
    """Each refused file with its reason, checked before anything is saved."""
    problems = []
    for upload in uploads:
        try:
            attachment_check(upload)
        except HelpdeskError as exc:
            # Most reasons name the file already; the others get its name in front.
            named = exc.message.startswith(safe_filename(upload.name))
            problems.append(exc.message if named else f"{upload.name}: {exc.message}")
    return problems


# --- Custom fields on the console's and the portal's ticket forms -----------------------------

CUSTOM_PREFIX = "cf_"


def custom_form_field(spec: FieldSpec, *, initial: Any = None, disabled: bool = False) -> forms.Field:
    """A form field for a custom field; never required here: the service knows when it is (by category).

    Its input goes to the service as typed (``parse_value`` accepts dates, decimals and booleans),
    so the form and the API refuse the same values. ``data-categories`` lets the page show it only
    for the categories it applies to.
    """
    kind = FieldType(spec.type)
    options: dict[str, Any] = {
        "label": spec.label,
        "help_text": spec.help_text,
        "required": False,
        "initial": initial,
        "disabled": disabled,
    }
    if kind == FieldType.NUMBER:
        field: forms.Field = forms.DecimalField(max_digits=NUMBER_DIGITS, decimal_places=NUMBER_PLACES, **options)
    elif kind == FieldType.DATE:
        field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **options)
    elif kind == FieldType.DROPDOWN:
        field = forms.ChoiceField(choices=[("", "—"), *((c, c) for c in spec.choices)], **options)
    elif kind == FieldType.CHECKBOX:
        field = forms.BooleanField(**{**options, "initial": bool(initial)})
    else:
        field = forms.CharField(max_length=TEXT_MAX, **options)
    field.widget.attrs["data-categories"] = " ".join(str(pk) for pk in sorted(spec.category_ids))
    if spec.required:
        field.widget.attrs["aria-required"] = "true"
        field.label = f"{spec.label} *"
    return field


def add_custom_fields(form: forms.Form, specs: Iterable[FieldSpec], values: dict[int, Any] | None = None) -> None:
    """Add ``cf_<key>`` fields for ``specs`` to ``form``, filled with ``values`` (by field id)."""
    values = values or {}
    form.custom_specs = list(specs)
    for spec in form.custom_specs:
        name = CUSTOM_PREFIX + spec.key
        form.fields[name] = custom_form_field(spec, initial=values.get(spec.id))
        form.initial[name] = form.fields[name].initial


def custom_values_from(
    form: forms.Form, *, changed_only: bool = False, category_id: int | None = None
) -> dict[str, Any]:
    """``{key: value}`` of the form's custom fields: only those the person changed (``changed_only``),
    or those of the category chosen (``category_id``: the page hid the others; what was typed there before
    switching category is not meant)."""
    return {
        spec.key: form.cleaned_data.get(CUSTOM_PREFIX + spec.key)
        for spec in getattr(form, "custom_specs", ())
        if (not changed_only or CUSTOM_PREFIX + spec.key in form.changed_data)
        and (category_id is None or spec.applies_to(category_id))
    }


def place_errors(form: forms.Form, exc: HelpdeskError, aliases: dict[str, str] | None = None) -> None:
    """A service's refusal on the form: on the fields it names (by their form name in ``aliases``; custom
    fields by theirs), else above them."""
    placed = False
    for name, details in exc.errors.items():
        field = (aliases or {}).get(name) or custom_error_field(name)
        if field in form.fields:
            for detail in details:
                form.add_error(field, detail)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def custom_error_field(name: str) -> str:
    """The form field a service's error names (``custom_fields.invoice_number`` -> ``cf_invoice_number``)."""
    return CUSTOM_PREFIX + name.removeprefix("custom_fields.") if name.startswith("custom_fields.") else name
