"""Captures the request's address and browser for the audit trail."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ketacare.audit.context import RequestOrigin, current_origin


def client_ip(raw: str) -> str | None:
    """The peer's address as the audit trail stores it (None when it is not an address)."""
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def origin_of(request: HttpRequest) -> RequestOrigin:
    """Where the request came from, as its audit events record it."""
    return RequestOrigin(
        ip_address=client_ip(request.META.get("REMOTE_ADDR", "")),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_origin.set(origin_of(request))
        try:
            return self.get_response(request)
        finally:
            current_origin.reset(token)
