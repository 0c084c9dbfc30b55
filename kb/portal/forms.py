"""The portal's knowledge-base forms: search with a category, and "did this help?"."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kb.models import Category


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search articles"), max_length=200, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("position", "name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All categories"),
    )


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda value: value == "yes")
