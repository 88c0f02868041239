"""Text messages behind one interface. The demo writes them to the console (or to files in
var/sms/ with SMS_BACKEND=file); a provider plugs in as another backend class.

A message may carry an idempotency key: the file and memory backends refuse a second message
with a key they already accepted (`DuplicateMessage`), as a provider's idempotency key does."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from ketacare.messaging.idempotency import DuplicateMessage, provider_delay, write_once


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str
    idempotency_key: str = ""


class SmsBackend(Protocol):
    def send(self, message: TextMessage) -> None: ...


class ConsoleSmsBackend:
    def send(self, message: TextMessage) -> None:
        key = f"Idempotency-Key: {message.idempotency_key}\n" if message.idempotency_key else ""
        sys.stdout.write(f"SMS to {message.to}:\n{key}{message.body}\n\n")


class FileSmsBackend:
    def send(self, message: TextMessage) -> None:
        folder = Path(settings.VAR_DIR) / "sms"
        text = f"To: {message.to}\n"
        if message.idempotency_key:
            text += f"Idempotency-Key: {message.idempotency_key}\n"
            write_once(
                folder, message.idempotency_key, ".txt", f"{text}\n{message.body}\n".encode()
            )
            return
        provider_delay()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        (folder / f"{stamp}.txt").write_text(f"{text}\n{message.body}\n")
        provider_delay()


class MemorySmsBackend:
    """Keeps messages in `outbox`, for tests (like Django's locmem e-mail backend)."""

    outbox: list[TextMessage] = []

    def send(self, message: TextMessage) -> None:
        if message.idempotency_key and any(
            sent.idempotency_key == message.idempotency_key for sent in MemorySmsBackend.outbox
        ):
            raise DuplicateMessage(message.idempotency_key)
        MemorySmsBackend.outbox.append(message)


def send_sms(to: str, body: str, *, idempotency_key: str = "") -> None:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(TextMessage(to=to, body=body, idempotency_key=idempotency_key))
