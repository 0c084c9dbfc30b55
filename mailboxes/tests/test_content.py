"""What a message says: charsets, HTML-only mail, quotes and signatures, attachments, broken MIME."""

import pytest

from mailboxes.models import Outcome
from mailboxes.services import message_receive
from mailboxes.tests.mail import message
from mailboxes.text import html_to_text, trim_reply
from tickets.models import Attachment

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0" * 1000 + b"\n%%EOF\n"


def test_an_iso_8859_1_message_reads_right(mailbox):
    raw = (
        b"From: =?ISO-8859-1?Q?Jos=E9_M=FCller?= <jose@example.com>\r\n"
        b"To: support@example.test\r\n"
        b"Subject: =?ISO-8859-1?Q?Caf=E9_au_lait_=E0_l'=E9cole?=\r\n"
        b"Message-ID: <latin1@example.com>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=ISO-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"Gr\xfc\xdfe, le caf\xe9 est froid.\r\n"
    )
    ticket = message_receive(mailbox=mailbox, raw=raw).ticket
    assert ticket.subject == "Café au lait à l'école"
    assert ticket.description == "Grüße, le café est froid."
    assert ticket.requester.full_name == "José Müller"


def test_an_html_only_message_becomes_safe_text(mailbox):
    raw = (
        b"From: ana@example.com\r\nTo: support@example.test\r\nSubject: HTML\r\n"
        b"Message-ID: <html-only@example.com>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
        b"<body><p>The <b>VPN</b> is down.</p><ul><li>Since 9:00</li><li>All users</li></ul>"
        b"<img src=x onerror=alert(1)><p>Thanks &amp; regards</p></body></html>"
    )
    ticket = message_receive(mailbox=mailbox, raw=raw).ticket
    assert ticket.description == "The VPN is down.\n\n- Since 9:00\n\n- All users\n\nThanks & regards"
    assert "alert" not in ticket.description and "<" not in ticket.description


def test_a_multipart_message_uses_its_plain_text(mailbox):
    raw = message(body="Plain words.", html="<p>HTML <i>words</i>.</p>")
    assert message_receive(mailbox=mailbox, raw=raw).ticket.description == "Plain words."


@pytest.mark.parametrize(
    "raw",
    [
        # A boundary that never comes, a charset nobody knows, base64 that is not.
        b"From: ana@example.com\r\nSubject: broken\r\nMessage-ID: <broken-1@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="nope"\r\n\r\nJust text, no parts.\r\n',
        b"From: ana@example.com\r\nSubject: broken\r\nMessage-ID: <broken-2@x>\r\n"
        b"Content-Type: text/plain; charset=x-unknown-9\r\n\r\nCaf\xe9 text\r\n",
        b"From: ana@example.com\r\nSubject: broken\r\nMessage-ID: <broken-3@x>\r\n"
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64 at all\r\n",
        b"\x00\xff garbage without headers \xfe",
        b"From: =?utf-8?B?not-base64?= <ana@example.com>\r\nSubject: =?bogus?Q?x?=\r\n\r\nHi\r\n",
    ],
)
def test_malformed_mime_never_crashes(mailbox, raw):
    expected = {"Just text, no parts.", "Caf\ufffd text", "Café text", "!!!not base64 at all", "Hi"}
    record = message_receive(mailbox=mailbox, raw=raw)
    assert record.pk is not None
    assert record.outcome in (Outcome.TICKET_CREATED, Outcome.AUTO_REPLY, Outcome.FAILED)
    if record.outcome == Outcome.TICKET_CREATED:
        assert record.ticket.description in expected


def test_an_allowed_attachment_is_stored_on_the_ticket(mailbox):
    record = message_receive(mailbox=mailbox, raw=message(attachments=[("invoice.pdf", "application/pdf", PDF)]))
    attachment = Attachment.objects.get(ticket=record.ticket)
    assert (attachment.filename, attachment.size, attachment.uploaded_by) == ("invoice.pdf", len(PDF), record.author)
    assert attachment.file.read() == PDF


def test_a_refused_attachment_is_recorded_and_the_ticket_still_made(mailbox):
    files = [("run.exe", "application/octet-stream", b"MZ\x90\x00"), ("invoice.pdf", "application/pdf", PDF)]
    record = message_receive(mailbox=mailbox, raw=message(attachments=files))
    assert record.outcome == Outcome.TICKET_CREATED
    assert "attachment 'run.exe' refused" in record.reason
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["invoice.pdf"]


def test_a_20_mb_attachment_is_kept_within_the_limit_and_refused_over_it(mailbox, settings):
    big = PDF[:-7] + b"0" * (20 * 1024 * 1024) + b"\n%%EOF\n"
    record = message_receive(mailbox=mailbox, raw=message(attachments=[("scan.pdf", "application/pdf", big)]))
    assert Attachment.objects.get(ticket=record.ticket).size == len(big)

    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    raw = message(subject="Bigger", attachments=[("scan2.pdf", "application/pdf", big)])
    record = message_receive(mailbox=mailbox, raw=raw)
    assert record.outcome == Outcome.TICKET_CREATED
    assert "attachment 'scan2.pdf' refused: The file is larger than 10 MB." in record.reason
    assert not Attachment.objects.filter(ticket=record.ticket).exists()


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Thanks!\n\nOn Mon, 2 Mar 2026 at 09:00, Helpdesk <h@x.test> wrote:\n> Hello\n> there", "Thanks!"),
        ("Thanks!\n\nOn Mon, 2 Mar 2026 at 09:00, Helpdesk <h@x.test>\nwrote:\n> Hello", "Thanks!"),
        ("Yes.\n\n-----Original Message-----\nFrom: Helpdesk\nSent: Monday\n\nold", "Yes."),
        ("Yes.\n\n________________________________\nFrom: Helpdesk <h@x>\nSent: Monday\nold", "Yes."),
        ("Yes.\n\nFrom: Helpdesk <h@x>\nSent: Monday, 2 March\nTo: Ana\nSubject: x\n\nold", "Yes."),
        ("Done.\n\n-- \nAna Lima\nACME Corp", "Done."),
        ("Done.\n\nSent from my iPhone", "Done."),
        ("Ok\n##- Reply above this line -##\nHello Ana", "Ok"),
        (
            "Am 2. März 2026 um 09:00 schrieb Helpdesk <h@x>:\n> alt",
            "Am 2. März 2026 um 09:00 schrieb Helpdesk <h@x>:\n> alt",
        ),
        ("Line one\n> quoted in the middle\nLine two", "Line one\nLine two"),
    ],
)
def test_quoted_history_and_signatures_are_trimmed(text, kept):
    assert trim_reply(text) == kept


def test_html_blockquotes_become_quotes_that_are_trimmed():
    text = html_to_text("<div>New answer</div><blockquote>Old <b>text</b></blockquote>")
    assert trim_reply(text) == "New answer"


OUTLOOK_HTML_REPLY = (
    '<html><body><div>Thanks, that fixed it.</div><div><br></div><hr style="display:inline-block;width:98%">'
    '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>From:</b> Helpdesk &lt;support@example.test&gt;<br>'
    "<b>Sent:</b> Monday, March 2, 2026 9:00 AM<br><b>To:</b> Ana<br><b>Subject:</b> [TICK-20260302-0001] "
    "New reply</font></div><div>##- Reply above this line -##<p>Hello Ana</p></div></body></html>"
)
GMAIL_HTML_REPLY = (
    '<div dir="ltr">Works now!</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, '
    'Mar 2, 2026 at 9:00 AM Helpdesk &lt;<a href="mailto:s@x.test">s@x.test</a>&gt; wrote:<br></div>'
    '<blockquote class="gmail_quote">Hello Ana<br>old text</blockquote></div>'
)


@pytest.mark.parametrize(
    ("html", "kept"), [(OUTLOOK_HTML_REPLY, "Thanks, that fixed it."), (GMAIL_HTML_REPLY, "Works now!")]
)
def test_html_replies_of_outlook_and_gmail_keep_only_the_new_text(html, kept):
    assert trim_reply(html_to_text(html)) == kept
