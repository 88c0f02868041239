"""Scheduling core: pure Python, no Django import, no I/O.

Plain values in, plain values out, with the reasons behind every decision.
"""

from ketacare.scheduling_core.phases import (
    ESKETAMINE_TRD_PHASES,
    CourseWeek,
    Phase,
    course_week,
    course_weeks,
    phase_for,
)
from ketacare.scheduling_core.series import (
    DEFAULT_HORIZON_WEEKS,
    ProposedSession,
    Reason,
    ReasonCode,
    SeriesProposal,
    SkippedSlot,
    conflicts,
    propose_series,
)

__all__ = [
    "ESKETAMINE_TRD_PHASES",
    "CourseWeek",
    "Phase",
    "course_week",
    "course_weeks",
    "phase_for",
    "DEFAULT_HORIZON_WEEKS",
    "ProposedSession",
    "Reason",
    "ReasonCode",
    "SeriesProposal",
    "SkippedSlot",
    "conflicts",
    "propose_series",
]
