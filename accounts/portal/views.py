"""Account pages of the customer portal: sign up, log in and out, passwords, email verification.

Every write goes through ``accounts.services``; these views only translate
between forms and services. Django's own auth views do the password work, with
our templates and email texts.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User, UserManager
from accounts.portal.emails import send_verification_email
from accounts.portal.forms import LoginForm, ResendVerificationForm, ResetForm, SignupForm
from accounts.services import (
    VERIFY_MAX_AGE,
    awaiting_verification,
    user_register,
    user_register_unverified,
    user_verify_email,
    verification_token_user,
)
from helpdesk.errors import Conflict, ValidationFailed

logger = logging.getLogger(__name__)

# One verification email per address per minute, whoever asks: the link is
# resent from a public form, which must not become a way to flood a mailbox.
RESEND_INTERVAL_SECONDS = 60

# Why a verification link was refused (the service's ``reason``), in the visitor's language.
_TOKEN_PROBLEMS = {
    "expired": gettext_lazy("This link has expired."),
    "invalid": gettext_lazy("This link is not valid. Check that you opened the whole link from the email."),
    "used": gettext_lazy("This link was already used, or the account no longer waits for it."),
}

# Service error fields -> the sign-up form's fields.
_SIGNUP_FIELDS = {"email": "email", "password": "password1", "full_name": "full_name"}


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    """Create a customer account; sign in at once, or first confirm the email when PORTAL_EMAIL_VERIFICATION is on."""
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        register = user_register_unverified if settings.PORTAL_EMAIL_VERIFICATION else user_register
        try:
            user = register(email=data["email"], password=data["password1"], full_name=data["full_name"])
        except Conflict:
            message = _("An account with this email address already exists. Log in, or reset your password.")
            form.add_error("email", message)
        except ValidationFailed as exc:
            for field, details in (exc.errors or {None: [exc.message]}).items():
                for detail in details:
                    form.add_error(_SIGNUP_FIELDS.get(field), detail)
        else:
            if not user.is_active:
                try:
                    send_verification_email(user)
                except Exception:  # noqa: BLE001 - the account exists; the page after offers to resend
                    logger.exception("Could not send the verification email to user %s.", user.pk)
                return redirect("account:verify-sent")
            login(request, user)
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("portal:home")
    return render(request, "portal/account/signup.html", {"form": form}, status=400 if form.errors else 200)


class PortalLoginView(auth_views.LoginView):
    """Django's login with our form: email label, and an offer to resend the link to unverified accounts."""

    template_name = "portal/account/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    # Staff who log in here land in the portal too; the admin has its own login page.
    next_page = "portal:home"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        if form is not None and getattr(form, "unverified_email", None):
            context["resend_form"] = ResendVerificationForm(initial={"email": form.unverified_email})
        return context


class PortalLogoutView(auth_views.LogoutView):
    """Log out by POST only (Django 5 refuses GET, so a link or an image cannot log anyone out)."""

    next_page = "portal:home"

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are logged out."))
        return response


class PortalPasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link; the page after it is the same whether the address has an account or not."""

    form_class = ResetForm  # its save() queues the email (accounts/portal/emails.py): links on SITE_URL
    template_name = "portal/account/password_reset.html"
    success_url = reverse_lazy("account:password-reset-done")


class PortalPasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/account/password_reset_done.html"


class PortalPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/account/password_reset_confirm.html"
    success_url = reverse_lazy("account:password-reset-complete")


class PortalPasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/account/password_reset_complete.html"


class PortalPasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password (the old one first); back to the profile with a confirmation."""

    template_name = "portal/account/password_change.html"
    success_url = reverse_lazy("portal-profile")

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


@never_cache
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm an email address: GET shows the button, POST activates the account and signs in.

    Activation waits for a POST because mail scanners open links before the
    person does; a GET that activated and signed in would spend the link on them.
    """
    try:
        if request.method == "POST":
            user = user_verify_email(token=token)
        else:
            verification_token_user(token=token)
    except ValidationFailed as exc:
        context = {"problem": _TOKEN_PROBLEMS.get(exc.extra.get("reason"), _TOKEN_PROBLEMS["invalid"])}
        context |= {"resend_form": ResendVerificationForm(), "days": VERIFY_MAX_AGE.days}
        return render(request, "portal/account/verify.html", context, status=400)
    if request.method != "POST":
        return render(request, "portal/account/verify.html", {"token": token})
    login(request, user)
    messages.success(request, _("Thank you, your email address is confirmed. Your account is ready."))
    return redirect("portal:home")


@require_GET
def verify_sent(request: HttpRequest) -> HttpResponse:
    """Where sign-up sends an account that must confirm its email first."""
    context = {"resend_form": ResendVerificationForm(), "days": VERIFY_MAX_AGE.days}
    return render(request, "portal/account/verify_sent.html", context)


def resend_key(email: str) -> str:
    """The cache key of an address's resend limit (hashed: addresses are not kept in the cache)."""
    return "portal:verify-resend:" + hashlib.sha256(UserManager.normalize_email(email).encode()).hexdigest()


@require_POST
def verify_resend(request: HttpRequest) -> HttpResponse:
    """Send a new verification link; the answer does not say whether the address has an account."""
    form = ResendVerificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return redirect("account:verify-sent")
    email = UserManager.normalize_email(form.cleaned_data["email"])
    # Limit per address before looking it up, so the limit itself reveals nothing.
    if not cache.add(resend_key(email), True, timeout=RESEND_INTERVAL_SECONDS):
        messages.error(request, _("We sent a link to this address less than a minute ago. Please wait a minute."))
        return redirect("account:verify-sent")
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and awaiting_verification(user):
        send_verification_email(user)
    messages.success(request, _("If an account waiting for confirmation uses this address, we sent it a new link."))
    return redirect("account:verify-sent")
