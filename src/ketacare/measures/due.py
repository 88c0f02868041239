"""When a scheduled scale is next due. Pure: plain values in, plain values out.

These intervals are the clinic's routine, not clinical thresholds. "Before every session" is
anchored to the patient's next booked treatment session when there is one (`next_session_at`,
from `ketacare.scheduling.selectors.next_treatment_starts`): the scale is due from
BEFORE_SESSION_WINDOW before the session, satisfied by any answer given in that window, and
overdue once the session has started without it. With no session booked it falls back to
"once a day".
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
# How long before a session its "before each session" scales may be filled: the lifetime of a
# questionnaire link (measures.services.LINK_LIFETIME), an operational choice.
BEFORE_SESSION_WINDOW = timedelta(hours=72)


class DueState(StrEnum):
    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Due:
    state: DueState
    due_at: datetime | None
    reason: str


def due_status(
    frequency: str,
    last_completed_at: datetime | None,
    now: datetime,
    *,
    next_session_at: datetime | None = None,
) -> Due:
    if frequency not in INTERVALS:
        raise ValueError(f"Unknown schedule frequency {frequency!r}.")
    if frequency == "before_each_session" and next_session_at is not None:
        return _before_session(last_completed_at, now, next_session_at)
    if last_completed_at is None:
        return Due(DueState.DUE, None, "Never filled: due now.")
    due_at = last_completed_at + INTERVALS[frequency]
    if now < due_at:
        return Due(DueState.NOT_DUE, due_at, "Filled recently.")
    if now - due_at >= OVERDUE_AFTER:
        return Due(DueState.OVERDUE, due_at, "Due for more than a day.")
    return Due(DueState.DUE, due_at, "Due now.")


def _before_session(last_completed_at: datetime | None, now: datetime, session_at: datetime) -> Due:
    opens_at = session_at - BEFORE_SESSION_WINDOW
    if last_completed_at is not None and last_completed_at >= opens_at:
        return Due(DueState.NOT_DUE, session_at, "Filled for the next session.")
    if now < opens_at:
        return Due(DueState.NOT_DUE, opens_at, "Due in the days before the next session.")
    if now >= session_at:
        return Due(DueState.OVERDUE, opens_at, "The session started without it.")
    return Due(DueState.DUE, opens_at, "Due before the next session.")
