"""A provider's idempotency key, modelled by the file backends: a second message with a key
already accepted is refused (`DuplicateMessage`), as an SMS or e-mail provider that takes an
idempotency key would. The sender treats that refusal as "already sent"."""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path

# A slow provider, for the crash test: seconds each message takes, half before it is accepted
# and half after (a provider that answers slowly), so a kill can land on either side.
DELAY_ENV = "KETACARE_MESSAGING_DELAY"
_SAFE_KEY = re.compile(r"^[A-Za-z0-9._-]{1,120}$")


class DuplicateMessage(Exception):
    """The provider already accepted a message with this idempotency key."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"A message with idempotency key {key!r} was already accepted.")


def check_key(key: str) -> str:
    """Keys go into file names and the Message-ID header: letters, digits, '.', '_', '-'."""
    if not _SAFE_KEY.match(key):
        raise ValueError(f"Unusable idempotency key {key!r}.")
    return key


def provider_delay() -> None:
    delay = float(os.environ.get(DELAY_ENV) or 0)
    if delay > 0:
        time.sleep(delay / 2)


def write_once(folder: Path, key: str, suffix: str, data: bytes) -> Path:
    """Write `data` as `<key><suffix>` in one atomic step, or raise DuplicateMessage.

    The message is written to a temporary file first and then hard-linked under its key:
    linking fails when the name exists, so there is never a half-written message under a key
    and never two messages under one key, whatever process wrote first or died meanwhile."""
    provider_delay()
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{check_key(key)}{suffix}"
    temporary = folder / f".tmp-{uuid.uuid4().hex}"
    temporary.write_bytes(data)
    try:
        os.link(temporary, final)
    except FileExistsError as exc:
        raise DuplicateMessage(key) from exc
    finally:
        temporary.unlink(missing_ok=True)
    provider_delay()
    return final
