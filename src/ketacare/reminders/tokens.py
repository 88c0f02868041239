"""Secret tokens in links. Only their SHA-256 hash is stored.

An escort link's token is derived from the request's random id with a server-side key (like
questionnaire links), so the sender can rebuild it and it never sits in the database or a
task. A calendar feed's token is random and shown once."""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac

from ketacare.reminders.models import EscortConfirmation


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def escort_token(confirmation: EscortConfirmation) -> str:
    digest = salted_hmac(
        "ketacare.reminders.escort-confirmation", str(confirmation.public_id), algorithm="sha256"
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)
