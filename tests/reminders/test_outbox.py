"""One interface for e-mail and text, carrying an idempotency key to the provider."""

from email import message_from_bytes

import pytest
from django.core import mail

from ketacare.messaging import outbox
from ketacare.messaging.sms import MemorySmsBackend


def test_the_file_backends_refuse_a_second_message_with_the_same_key(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SMS_BACKEND = "ketacare.messaging.sms.FileSmsBackend"
    settings.EMAIL_BACKEND = "ketacare.messaging.outbox.IdempotentFileEmailBackend"
    first = outbox.send("sms", "(555) 010-1234", "", "Hello", "key-1")
    again = outbox.send("sms", "(555) 010-1234", "", "Hello again", "key-1")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert [p.name for p in (tmp_path / "sms").iterdir()] == ["key-1.txt"]
    assert "Hello\n" in (tmp_path / "sms" / "key-1.txt").read_text()

    attachment = outbox.Attachment(
        "a.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"
    )
    outbox.send("email", "p@example.test", "Subject", "Body", "key-2", (attachment,))
    assert outbox.send("email", "p@example.test", "Subject", "Body", "key-2").duplicate
    [written] = list((tmp_path / "mail").iterdir())
    message = message_from_bytes(written.read_bytes())
    assert message["Message-ID"] == "<key-2@ketacare.invalid>"
    assert message["X-Idempotency-Key"] == "key-2"
    assert [part.get_filename() for part in message.walk() if part.get_filename()] == ["a.ics"]


def test_smtp_and_other_django_backends_get_the_key_as_message_id(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outbox.send("email", "p@example.test", "Subject", "Body", "key-3")
    [email] = mail.outbox
    assert email.message()["Message-ID"] == "<key-3@ketacare.invalid>"


def test_the_memory_sms_backend_refuses_a_repeated_key(settings):
    settings.SMS_BACKEND = "ketacare.messaging.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    outbox.send("sms", "1", "", "a", "key-4")
    assert outbox.send("sms", "1", "", "b", "key-4").duplicate
    assert [m.body for m in MemorySmsBackend.outbox] == ["a"]
    MemorySmsBackend.outbox.clear()


@pytest.mark.parametrize(
    ("channel", "to", "key"), [("fax", "1", "k"), ("sms", "", "k"), ("sms", "1", "bad key/..")]
)
def test_bad_input_is_refused(channel, to, key):
    with pytest.raises(ValueError):
        outbox.send(channel, to, "", "body", key)
