from email.message import EmailMessage


def test_a_message_appended_over_imap_is_in_the_inbox(imap):
    message = EmailMessage()
    message["From"] = "ana@example.com"
    message["To"] = imap.user
    message["Subject"] = "Hello"
    message["Message-ID"] = "<hello@example.com>"
    message.set_content("Body")
    imap.append(message.as_bytes())
    client = imap.client()
    client.select("INBOX", readonly=True)
    status, data = client.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    client.logout()
    assert status == "OK"
    assert b"Subject: Hello" in data[0][1]
    assert len(imap.messages()) == 1
