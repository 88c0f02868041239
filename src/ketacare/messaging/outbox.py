"""One way to send a message to a person, by e-mail or text: `send(channel, to, subject, body,
idempotency_key, attachments=())`.

E-mail goes through Django's configured EMAIL_BACKEND (console in the demo, SMTP in
production, `IdempotentFileEmailBackend` to write files); text messages through SMS_BACKEND
(`ketacare.messaging.sms`). The idempotency key travels with every message: as the
Message-ID (and an X-Idempotency-Key header) of an e-mail, as the key of a text message. A
backend that knows the key was already accepted raises `DuplicateMessage`; `send` reports
that as a duplicate rather than an error, because the message did reach the provider.

What a key guarantees depends on the backend: the file and memory backends (and an SMS
provider with an idempotency key) refuse the duplicate, so the person gets one message; an
SMTP server accepts it again but the same Message-ID lets the receiving mail system and the
reader's client fold the two together; the console backend just prints it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage as _EmailMessage

from ketacare.messaging.idempotency import DuplicateMessage, check_key, write_once
from ketacare.messaging.sms import send_sms

EMAIL = "email"
SMS = "sms"
KEY_HEADER = "X-Idempotency-Key"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class SendOutcome:
    idempotency_key: str
    duplicate: bool  # the provider had already accepted this message


def message_id(idempotency_key: str) -> str:
    domain = getattr(settings, "MESSAGE_ID_DOMAIN", "") or "ketacare.invalid"
    return f"<{idempotency_key}@{domain}>"


def send(
    channel: str,
    to: str,
    subject: str,
    body: str,
    idempotency_key: str,
    attachments: Sequence[Attachment] = (),
) -> SendOutcome:
    """Send one message. Raises ValueError for an unknown channel or an empty address; any
    error of the backend (SMTP refused, provider down) propagates so the caller may retry
    with the same key."""
    check_key(idempotency_key)
    if not to:
        raise ValueError("No address to send to.")
    try:
        if channel == EMAIL:
            _send_email(to, subject, body, idempotency_key, attachments)
        elif channel == SMS:
            send_sms(to, body, idempotency_key=idempotency_key)
        else:
            raise ValueError(f"Unknown channel {channel!r}.")
    except DuplicateMessage:
        return SendOutcome(idempotency_key, duplicate=True)
    return SendOutcome(idempotency_key, duplicate=False)


def _send_email(
    to: str, subject: str, body: str, key: str, attachments: Sequence[Attachment]
) -> None:
    email = EmailMessage(
        subject=subject,
        body=body,
        to=[to],
        headers={"Message-ID": message_id(key), KEY_HEADER: key},
    )
    for attachment in attachments:
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    email.send(fail_silently=False)


class IdempotentFileEmailBackend(BaseEmailBackend):
    """Writes each e-mail to EMAIL_FILE_PATH (default var/mail/) as `<key>.eml`, refusing a
    second message with the same idempotency key, as a provider's API would."""

    def __init__(self, *, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.folder = Path(
            file_path
            or getattr(settings, "EMAIL_FILE_PATH", None)
            or Path(settings.VAR_DIR) / "mail"
        )

    def send_messages(self, email_messages: Sequence[_EmailMessage]) -> int:
        sent = 0
        for email in email_messages:
            key = str(email.extra_headers.get(KEY_HEADER, ""))
            if not key:
                raise ValueError("IdempotentFileEmailBackend needs an X-Idempotency-Key header.")
            write_once(self.folder, key, ".eml", email.message().as_bytes())
            sent += 1
        return sent
