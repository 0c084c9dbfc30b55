"""Account emails sent by the worker, so a request's timing tells nothing about the address."""

from celery import shared_task

from accounts.models import User
from accounts.portal.emails import send_password_reset_email


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def password_reset_email_task(user_id: int) -> bool:
    """Send the reset link to an active account (the token is made here); False if it is gone."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    send_password_reset_email(user)
    return True
