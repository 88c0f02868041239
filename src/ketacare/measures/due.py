"""When a scheduled scale is next due. Pure: plain values in, plain values out.

These intervals are the clinic's routine, not clinical thresholds. "Before every session" is
treated as "once a day" until appointments exist to anchor it (see the scheduling issue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

INTERVALS: dict[str, timedelta] = {
    "before_each_session": timedelta(days=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(days=7),
    "every_two_weeks": timedelta(days=14),
    "monthly": timedelta(days=28),
}
# A scale counts as overdue once it has been due for a day without being filled.
OVERDUE_AFTER = timedelta(days=1)


class DueState(StrEnum):
    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Due:
    state: DueState
    due_at: datetime | None
    reason: str


def due_status(frequency: str, last_completed_at: datetime | None, now: datetime) -> Due:
    if frequency not in INTERVALS:
        raise ValueError(f"Unknown schedule frequency {frequency!r}.")
    if last_completed_at is None:
        return Due(DueState.DUE, None, "Never filled: due now.")
    due_at = last_completed_at + INTERVALS[frequency]
    if now < due_at:
        return Due(DueState.NOT_DUE, due_at, "Filled recently.")
    if now - due_at >= OVERDUE_AFTER:
        return Due(DueState.OVERDUE, due_at, "Due for more than a day.")
    return Due(DueState.DUE, due_at, "Due now.")
