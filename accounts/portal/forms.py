"""Account forms of the customer portal, in the words customers use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User, UserManager
from accounts.portal.emails import password_reset_email_queue
from accounts.services import awaiting_verification


class SignupForm(forms.Form):
    """Email, name and password twice; the sign-up service checks the rest (unique email, password strength)."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("You log in with it, and we write to you there about your tickets."),
    )
    full_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        # The rules of AUTH_PASSWORD_VALIDATORS, in Django's translated words; the service enforces them.
        help_text=lazy(password_validation.password_validators_help_text_html, str)(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned


class LoginForm(AuthenticationForm):
    """Django's login form, labelled for email addresses, that recognises accounts awaiting verification."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email address or the password is not right."),
        "unverified": _(
            "You have not confirmed your email address yet. Open the link we sent you, or ask for a new one below."
        ),
    }

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
        self.fields["password"].label = _("Password")
        # Set when the password was right but the account waits for its email to be confirmed.
        self.unverified_email: str | None = None

    def clean(self) -> dict:
        try:
            return super().clean()
        except forms.ValidationError:
            # The backend refuses inactive accounts like wrong passwords; only the
            # account's owner (who knows the password) learns it is unverified.
            email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
            user = User.objects.filter(email__iexact=UserManager.normalize_email(email)).first() if email else None
            if user is None or not password or not awaiting_verification(user) or not user.check_password(password):
                raise
            self.unverified_email = user.email
            raise forms.ValidationError(self.error_messages["unverified"], code="unverified") from None


class ResetForm(PasswordResetForm):
    """Django's reset form; it also reaches guests (accounts made by a ticket sent without signing up).

    Django skips accounts without a usable password; here those are guest
    requesters, and a link to their own mailbox is how they get a password.
    """

    email = forms.EmailField(
        label=_("Email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def get_users(self, email: str) -> Iterator[User]:
        email = UserManager.normalize_email(email)
        yield from User.objects.filter(email__iexact=email, is_active=True)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Queue the reset email of each account with this address; nothing is sent in the request.

        Links are built on SITE_URL by the worker, never on the request's Host header.
        """
        for user in self.get_users(self.cleaned_data["email"]):
            password_reset_email_queue(user)


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
