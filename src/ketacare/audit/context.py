"""Where the current request came from, for audit events written deep in services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestOrigin:
    ip_address: str | None
    user_agent: str


NO_ORIGIN = RequestOrigin(ip_address=None, user_agent="")
current_origin: ContextVar[RequestOrigin] = ContextVar("audit_origin", default=NO_ORIGIN)
