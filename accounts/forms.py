from django import forms
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role", "organization")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        # A superuser is an admin; saying otherwise would be silently overruled by User.save().
        if cleaned.get("is_superuser") and cleaned.get("role") not in (None, Role.ADMIN):
            self.add_error("role", forms.ValidationError(_("A superuser has the Admin role. Untick superuser first.")))
        return cleaned
