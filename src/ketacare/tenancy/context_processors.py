"""Puts the acting staff member's membership and permissions into every template."""

from __future__ import annotations

from django.http import HttpRequest

from ketacare.tenancy.access import active_membership
from ketacare.tenancy.permissions import ROLE_PERMISSIONS


def membership(request: HttpRequest) -> dict[str, object]:
    current = active_membership(request.user) if hasattr(request, "user") else None
    perms = ROLE_PERMISSIONS.get(current.role, frozenset()) if current else frozenset()
    idle_minutes = current.organisation.idle_timeout_minutes if current else 15
    return {
        "membership": current,
        "can": {p.value: True for p in perms},
        "idle_seconds": min(idle_minutes, 30) * 60,
    }
