"""Phases of a course of treatment: how many sessions a week each week of the course allows.

A course is counted in weeks from its first session (week 1 is the first session's day and the
six days after it), not in calendar weeks: the label's "weeks 1–4" start on day 1 of treatment.

Pure: plain values in and out, no Django, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class Phase:
    """Weeks ``first_week``..``last_week`` (1-based, inclusive; ``None`` = open-ended) of a
    course allow at most ``max_per_week`` sessions in each course week."""

    name: str
    first_week: int
    last_week: int | None
    max_per_week: int
    source: str

    def covers(self, week: int) -> bool:
        return self.first_week <= week and (self.last_week is None or week <= self.last_week)


# Intranasal esketamine for TRD, US label. # source: S3a, S3d (reference.md section 3):
# induction weeks 1–4 twice weekly; maintenance weeks 5–8 once weekly; week 9 onward every
# 2 weeks or once weekly (so at most once a week).
ESKETAMINE_TRD_PHASES: tuple[Phase, ...] = (
    Phase("Induction", 1, 4, 2, "Spravato label, induction weeks 1–4 twice weekly (S3a)"),
    Phase("Maintenance", 5, 8, 1, "Spravato label, weeks 5–8 once weekly (S3a)"),
    Phase(
        "Continuation",
        9,
        None,
        1,
        "Spravato label, week 9 onward every 2 weeks or once weekly (S3a)",
    ),
)


@dataclass(frozen=True, slots=True)
class CourseWeek:
    """One week of a course: its dates ``[start, end)``, its phase and how many sessions it may
    still take once the sessions already held or booked that week are counted."""

    week: int
    start: date
    end: date
    phase: Phase
    already: int

    @property
    def room(self) -> int:
        return max(self.phase.max_per_week - self.already, 0)


def course_week(course_start: date, day: date) -> int:
    """The 1-based course week of ``day`` (0 or less before the course starts)."""
    return (day - course_start).days // 7 + 1


def phase_for(phases: Sequence[Phase], week: int) -> Phase | None:
    for phase in phases:
        if phase.covers(week):
            return phase
    return None


def course_weeks(
    phases: Sequence[Phase],
    course_start: date,
    first_day: date,
    weeks: int,
    existing: Sequence[date] = (),
) -> list[CourseWeek]:
    """The course weeks from the one holding ``first_day`` on, at most ``weeks`` of them, each
    with its phase and the sessions already on ``existing`` dates in it. Stops where no phase
    covers a week (the course is over). ``first_day`` before ``course_start`` is an error."""
    if first_day < course_start:
        raise ValueError(f"first_day {first_day} is before the course start {course_start}")
    if weeks < 1:
        raise ValueError(f"weeks must be >= 1, got {weeks}")
    counted: dict[int, int] = {}
    for held in existing:
        if held >= course_start:
            n = course_week(course_start, held)
            counted[n] = counted.get(n, 0) + 1
    first = course_week(course_start, first_day)
    found: list[CourseWeek] = []
    for n in range(first, first + weeks):
        phase = phase_for(phases, n)
        if phase is None:
            break
        start = course_start + timedelta(weeks=n - 1)
        found.append(
            CourseWeek(
                week=n,
                start=max(start, first_day),
                end=start + timedelta(weeks=1),
                phase=phase,
                already=counted.get(n, 0),
            )
        )
    return found
