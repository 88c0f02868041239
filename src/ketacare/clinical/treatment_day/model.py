"""What every treatment-day rule shares: the route, a reason, and aware-time checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# A clock on a device or a workstation may run a little ahead; more than this is an error.
MAX_CLOCK_SKEW = timedelta(minutes=2)  # source: typing/device-error guard, not a clinical limit


class Route(StrEnum):
    """How ketamine is given (the same ids as tenancy.models.Route; clinical/ imports no Django)."""

    IV = "iv"
    IM_SC = "im_sc"
    ESKETAMINE = "esketamine"
    INTRANASAL_COMPOUNDED = "intranasal_compounded"
    SUBLINGUAL_ORAL = "sublingual_oral"
    TOPICAL = "topical"


@dataclass(frozen=True)
class Reason:
    """Why a rule reached its answer: a stable code, a sentence for staff, and its source."""

    code: str
    message: str
    source: str


def route_of(route: Route | str) -> Route:
    try:
        return Route(route)
    except ValueError:
        raise ValueError(f"{route!r} is not a route.") from None


def require_aware(value: datetime, name: str) -> datetime:
    """Refuse a naive datetime: a clock time without its zone is ambiguous."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime.")
    return value


def whole_minutes_up(span: timedelta) -> int:
    """Minutes in a span, rounded up (1 s short is reported as 1 min short)."""
    seconds = span.total_seconds()
    whole = int(seconds // 60)
    return whole + 1 if seconds > whole * 60 else whole
