"""Which account a sign-in attempt was for, for django-axes' lockout bookkeeping.

allauth authenticates with `email=`, the admin with `username=`, and the login form posts
`login`: all three name the same account, lower-cased so case cannot dodge the lockout.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def attempted_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    for source in (credentials or {}, getattr(request, "POST", {})):
        for key in ("email", "username", "login"):
            value = source.get(key)
            if value:
                return str(value).strip().lower()
    return None
