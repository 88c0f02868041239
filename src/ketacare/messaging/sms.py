"""Text messages behind one interface. The demo writes them to the console (or to files in
var/sms/ with SMS_BACKEND=file); a provider plugs in as another backend class."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


class SmsBackend(Protocol):
    def send(self, message: TextMessage) -> None: ...


class ConsoleSmsBackend:
    def send(self, message: TextMessage) -> None:
        sys.stdout.write(f"SMS to {message.to}:\n{message.body}\n\n")


class FileSmsBackend:
    def send(self, message: TextMessage) -> None:
        folder = Path(settings.VAR_DIR) / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        (folder / f"{stamp}.txt").write_text(f"To: {message.to}\n\n{message.body}\n")


class MemorySmsBackend:
    """Keeps messages in `outbox`, for tests (like Django's locmem e-mail backend)."""

    outbox: list[TextMessage] = []

    def send(self, message: TextMessage) -> None:
        MemorySmsBackend.outbox.append(message)


def send_sms(to: str, body: str) -> None:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(TextMessage(to=to, body=body))
