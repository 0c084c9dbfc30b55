"""Beat's polling of the IMAP mailboxes: thin tasks over ``mailboxes.imap``."""

from __future__ import annotations

from celery import shared_task

from mailboxes.imap import mailbox_poll
from mailboxes.models import Mailbox


@shared_task(name="mailboxes.tasks.poll_all", ignore_result=True)
def poll_all() -> None:
    """Queue one poll per active IMAP mailbox."""
    for pk in Mailbox.objects.filter(is_active=True).exclude(imap_host="").values_list("pk", flat=True):
        poll_mailbox.delay(pk)


@shared_task(name="mailboxes.tasks.poll_mailbox", ignore_result=True, soft_time_limit=270, time_limit=300)
def poll_mailbox(mailbox_id: int) -> int:
    """Read one mailbox's new mail (skipped while another worker holds its lease)."""
    return mailbox_poll(mailbox_id=mailbox_id)
