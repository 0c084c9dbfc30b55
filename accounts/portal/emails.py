"""The account emails (address confirmation, password reset): rendered from templates/emails/, links on SITE_URL.

A password reset is sent by a Celery task that makes the token itself, so the request that
asks for one does the same work whether the address has an account or not: no SMTP round trip
whose time would tell. Without a broker it is sent at once, as before.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.services import VERIFY_MAX_AGE, email_verification_token
from helpdesk.queue import publish

logger = logging.getLogger(__name__)


def send_account_email(user: User, name: str, context: dict) -> None:
    """Send ``emails/<name>-subject.txt`` / ``-body.txt`` / ``-body.html`` to the account."""
    context = {"user": user, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"emails/{name}-body.txt", context), to=[user.email]
    )
    message.attach_alternative(render_to_string(f"emails/{name}-body.html", context), "text/html")
    message.send()


def send_verification_email(user: User) -> None:
    """Email the account a signed link that confirms its address (works for VERIFY_MAX_AGE)."""
    token = email_verification_token(user=user)
    send_account_email(
        user,
        "verify-email",
        {"verify_url": settings.SITE_URL + reverse("account:verify", args=[token]), "days": VERIFY_MAX_AGE.days},
    )


def send_password_reset_email(user: User) -> None:
    """Email the account a one-time link to choose a new password (Django's reset token)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    send_account_email(user, "password-reset", {"uid": uid, "token": default_token_generator.make_token(user)})


def password_reset_email_queue(user: User) -> None:
    """Have a worker send the reset email; at once here if the broker cannot be reached."""
    what = f"the password reset email for user {user.pk}"
    if not publish(
        "accounts.tasks.password_reset_email_task", user.pk, what=what, then="it is sent within the request"
    ):
        logger.warning("Broker unreachable: password reset email for user %s sent within the request", user.pk)
        send_password_reset_email(user)
