"""Proposing a plan's series of sessions before it is booked: the pure core places the sessions
(hours, closures, spacing, the chair's and the patient's busy times, and for esketamine the
label's phases), then every proposed session is checked against the booking rules
(`services.booking_problems`: ratio, prescriber on site, weekly limits...), fed by one
`services.booking_facts` read for the whole range: the query count does not grow with the
sessions. Reads only: nothing is written until `services.series_book`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max

from ketacare.patients.models import Patient
from ketacare.scheduling import services
from ketacare.scheduling.models import OCCUPYING, Appointment, AppointmentType
from ketacare.scheduling_core import (
    ESKETAMINE_TRD_PHASES,
    Phase,
    SeriesProposal,
    course_week,
    course_weeks,
    phase_for,
    propose_series,
)
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.models import Clinic, Membership, Route, TreatmentSpace
from ketacare.tenancy.permissions import Permission

HORIZON_WEEKS = 16


@dataclass(frozen=True)
class ProposedBooking:
    """One session of the series as it would be booked, and anything that stands in its way."""

    number: int
    starts_at: datetime
    ends_at: datetime
    local_date: date
    local_start: time
    local_end: time
    space: TreatmentSpace | None
    staff: Membership | None
    notes: tuple[str, ...] = ()
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def bookable(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class SkippedDate:
    local_date: date
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class SeriesPlan:
    """The whole proposal: the sessions, the pattern dates that were skipped and why, how many
    could not be placed, and the phases that limited the pattern."""

    sessions: tuple[ProposedBooking, ...]
    skipped: tuple[SkippedDate, ...] = ()
    unplaced: int = 0
    messages: tuple[str, ...] = ()
    phases: tuple[Phase, ...] = ()

    @property
    def bookable(self) -> bool:
        return bool(self.sessions) and all(s.bookable for s in self.sessions)


def phases_for(appointment_type: AppointmentType) -> tuple[Phase, ...]:
    """The course phases that cap sessions per week for a type (esketamine: the label's)."""
    if appointment_type.route == Route.ESKETAMINE:
        return ESKETAMINE_TRD_PHASES
    return ()


def _require(actor: Actor, plan: Any, clinic: Clinic, appointment_type: AppointmentType) -> None:
    membership = require_permission(actor, Permission.BOOK_APPOINTMENT)
    require_same_organisation(membership, plan.organisation_id, "plan")
    require_same_organisation(membership, clinic.organisation_id, "clinic")
    require_same_organisation(membership, appointment_type.organisation_id, "appointment type")


def _plan_sessions(plan: Any) -> list[Appointment]:
    return list(
        Appointment.objects.filter(plan=plan, status__in=OCCUPYING).only("starts_at", "clinic_id")
    )


def next_session_number(plan: Any) -> int:
    """The number the next booked session of the plan gets."""
    highest = Appointment.objects.filter(plan=plan, status__in=OCCUPYING).aggregate(
        n=Max("session_number")
    )["n"]
    return int(highest or 0) + 1


def _reason_texts(reasons: Sequence[Any]) -> tuple[str, ...]:
    return tuple(r.detail for r in reasons)


def _core_proposal(
    *,
    clinic: Clinic,
    appointment_type: AppointmentType,
    first_date: date,
    weekdays: Sequence[int],
    local_time: time,
    count: int,
    busy: list[tuple[datetime, datetime]],
    closures: set[date],
    existing_dates: Sequence[date],
    course_start: date,
) -> tuple[list[Any], list[SkippedDate], list[str]]:
    zone = services.clinic_zone(clinic)
    hours = services.clinic_hours(clinic)
    duration = timedelta(minutes=appointment_type.duration_minutes)
    gap = (
        timedelta(hours=appointment_type.min_hours_between)
        if appointment_type.min_hours_between
        else None
    )
    phases = phases_for(appointment_type)
    common: dict[str, Any] = {
        "weekdays": tuple(sorted(set(weekdays))),
        "local_time": local_time,
        "duration": duration,
        "zone": zone.key,
        "hours": hours,
        "closures": closures,
        "min_interval": gap,
        "busy": busy,
    }
    if not phases:
        proposal: SeriesProposal = propose_series(
            first_date,
            count,
            max_per_week=appointment_type.max_per_week,
            horizon_weeks=HORIZON_WEEKS,
            **common,
        )
        skipped = [SkippedDate(s.local_date, _reason_texts(s.reasons)) for s in proposal.skipped]
        return list(proposal.sessions), skipped, list(_reason_texts(proposal.reasons))
    # A phased course: one course week at a time, each capped by its phase (and the type's own
    # weekly limit), the sessions already held that week counted.
    sessions: list[Any] = []
    skipped = []
    for week in course_weeks(phases, course_start, first_date, HORIZON_WEEKS, existing_dates):
        if len(sessions) >= count:
            break
        room = week.room
        if appointment_type.max_per_week:
            room = min(room, appointment_type.max_per_week)
        if room <= 0:
            skipped.append(
                SkippedDate(
                    week.start,
                    (
                        f"Course week {week.week} ({week.phase.name.lower()}) already has "
                        f"{week.already} session(s); at most {week.phase.max_per_week} a week "
                        f"— {week.phase.source}.",
                    ),
                )
            )
            continue
        taken = busy + [(s.start, s.end) for s in sessions]
        part = propose_series(
            week.start,
            min(room, count - len(sessions)),
            max_per_week=None,
            horizon_weeks=1,
            **{**common, "busy": taken},
        )
        for placed in part.sessions:
            if gap and sessions and placed.start - sessions[-1].start < gap:
                skipped.append(
                    SkippedDate(placed.local_date, (f"Less than {gap} after the previous one.",))
                )
                continue
            sessions.append(placed)
        skipped.extend(
            SkippedDate(s.local_date, _reason_texts(s.reasons))
            for s in part.skipped
            if s.local_date < week.end
        )
    messages: list[str] = []
    if len(sessions) < count:
        messages.append(
            f"Placed {len(sessions)} of {count} sessions within {HORIZON_WEEKS} weeks; see the "
            "skipped dates."
        )
    return sessions, skipped, messages


def series_propose(
    *,
    actor: Actor,
    plan: Any,
    clinic: Clinic,
    appointment_type: AppointmentType,
    first_date: date,
    weekdays: Sequence[int],
    local_time: time,
    space: TreatmentSpace | None,
    staff: Membership | None,
    count: int,
) -> SeriesPlan:
    """Propose `count` sessions of `plan` from `first_date` on the pattern, then check each one
    against every booking rule. Writes nothing."""
    _require(actor, plan, clinic, appointment_type)
    zone = services.clinic_zone(clinic)
    existing = _plan_sessions(plan)
    existing_dates = sorted(a.starts_at.astimezone(zone).date() for a in existing)
    course_start = min([*existing_dates, first_date])
    # One read of what the rules need over the whole horizon: the core places the sessions
    # around the chair's and the patient's busy times, then each session is checked in memory.
    start = datetime.combine(first_date, time(0), tzinfo=zone)
    facts = services.booking_facts(
        clinic=clinic,
        appointment_type=appointment_type,
        patient=plan.patient,
        space=space,
        staff=staff,
        start=start,
        end=start + timedelta(weeks=HORIZON_WEEKS + 1),
    )
    placed, skipped, messages = _core_proposal(
        clinic=clinic,
        appointment_type=appointment_type,
        first_date=first_date,
        weekdays=weekdays,
        local_time=local_time,
        count=count,
        busy=facts.busy(),
        closures=set(facts.closures),
        existing_dates=existing_dates,
        course_start=course_start,
    )
    first_number = next_session_number(plan)
    sessions = [
        _checked(
            clinic=clinic,
            appointment_type=appointment_type,
            patient=plan.patient,
            number=first_number + i,
            starts_at=p.start,
            space=space,
            staff=staff,
            notes=_reason_texts(p.reasons),
            facts=facts,
        )
        for i, p in enumerate(placed)
    ]
    return SeriesPlan(
        sessions=tuple(sessions),
        skipped=tuple(sorted(skipped, key=lambda s: s.local_date)),
        unplaced=max(count - len(sessions), 0),
        messages=tuple(messages),
        phases=phases_for(appointment_type),
    )


def _checked(
    *,
    clinic: Clinic,
    appointment_type: AppointmentType,
    patient: Patient,
    number: int,
    starts_at: datetime,
    space: TreatmentSpace | None,
    staff: Membership | None,
    notes: tuple[str, ...] = (),
    extra: dict[str, list[str]] | None = None,
    facts: services.BookingFacts | None = None,
) -> ProposedBooking:
    zone = services.clinic_zone(clinic)
    booking = services.Booking(clinic, appointment_type, patient, starts_at, space, staff)
    if facts is not None and not facts.covers(booking):
        facts = None  # outside what was loaded: the rules read what this one needs
    problems = services.booking_problems(booking, facts=facts)
    for key, messages in (extra or {}).items():
        problems.setdefault(key, []).extend(messages)
    local_start, local_end = starts_at.astimezone(zone), booking.end.astimezone(zone)
    return ProposedBooking(
        number=number,
        starts_at=starts_at.astimezone(UTC),
        ends_at=booking.end.astimezone(UTC),
        local_date=local_start.date(),
        local_start=local_start.time().replace(tzinfo=None),
        local_end=local_end.time().replace(tzinfo=None),
        space=space,
        staff=staff,
        notes=notes,
        problems=problems,
    )


def series_check(
    *,
    actor: Actor,
    plan: Any,
    clinic: Clinic,
    appointment_type: AppointmentType,
    sessions: Sequence[tuple[datetime, TreatmentSpace | None, Membership | None]],
) -> SeriesPlan:
    """Check sessions the user adjusted by hand: each against the booking rules, and against
    each other (one a day, the type's spacing and weekly limit, the course's phases)."""
    _require(actor, plan, clinic, appointment_type)
    zone = services.clinic_zone(clinic)
    ordered = sorted(sessions, key=lambda s: s[0])
    first_number = next_session_number(plan)
    existing_dates = sorted(a.starts_at.astimezone(zone).date() for a in _plan_sessions(plan))
    among = _among_themselves(appointment_type, ordered, zone.key, existing_dates)
    facts = _facts_by_place(clinic, appointment_type, plan.patient, ordered)
    checked = [
        _checked(
            clinic=clinic,
            appointment_type=appointment_type,
            patient=plan.patient,
            number=first_number + i,
            starts_at=starts_at,
            space=space,
            staff=staff,
            extra=among.get(i),
            facts=facts.get(_place(space, staff)),
        )
        for i, (starts_at, space, staff) in enumerate(ordered)
    ]
    return SeriesPlan(sessions=tuple(checked), phases=phases_for(appointment_type))


def _place(space: TreatmentSpace | None, staff: Membership | None) -> tuple[int, int]:
    return (space.pk if space else 0, staff.pk if staff else 0)


def _facts_by_place(
    clinic: Clinic,
    appointment_type: AppointmentType,
    patient: Patient,
    ordered: Sequence[tuple[datetime, TreatmentSpace | None, Membership | None]],
) -> dict[tuple[int, int], services.BookingFacts]:
    """The booking facts of each chair and member of staff the sessions use, each loaded once
    over the sessions' whole range (sessions with a naive time are left to the rules)."""
    duration = timedelta(minutes=appointment_type.duration_minutes)
    aware = [s for s in ordered if s[0].tzinfo is not None and s[0].utcoffset() is not None]
    if not aware:
        return {}
    start, end = aware[0][0], aware[-1][0] + duration
    found: dict[tuple[int, int], services.BookingFacts] = {}
    for _, space, staff in aware:
        if _place(space, staff) not in found:
            found[_place(space, staff)] = services.booking_facts(
                clinic=clinic,
                appointment_type=appointment_type,
                patient=patient,
                space=space,
                staff=staff,
                start=start,
                end=end,
            )
    return found


def _among_themselves(
    appointment_type: AppointmentType,
    ordered: Sequence[tuple[datetime, TreatmentSpace | None, Membership | None]],
    zone_key: str,
    existing_dates: Sequence[date],
) -> dict[int, dict[str, list[str]]]:
    """What the database check cannot see: the series' own sessions against one another."""
    zone = ZoneInfo(zone_key)
    found: dict[int, dict[str, list[str]]] = {}
    duration = timedelta(minutes=appointment_type.duration_minutes)
    gap = timedelta(hours=appointment_type.min_hours_between or 0)
    dates = [s[0].astimezone(zone).date() for s in ordered]
    for i in range(1, len(ordered)):
        previous, current = ordered[i - 1][0], ordered[i][0]
        if current < previous + duration:
            found.setdefault(i, {}).setdefault("starts_at", []).append(
                "Overlaps the previous session of this series."
            )
        elif gap and current - previous < gap:
            found.setdefault(i, {}).setdefault("starts_at", []).append(
                f"Sessions must be at least {appointment_type.min_hours_between} h apart; the "
                "previous session of this series is closer."
            )
    phases = phases_for(appointment_type)
    if phases and dates:
        course_start = min([*existing_dates, *dates])
        counts: dict[int, int] = {}
        for held in existing_dates:
            n = course_week(course_start, held)
            counts[n] = counts.get(n, 0) + 1
        for i, day in enumerate(dates):
            n = course_week(course_start, day)
            counts[n] = counts.get(n, 0) + 1
            phase = phase_for(phases, n)
            if phase is not None and counts[n] > phase.max_per_week:
                found.setdefault(i, {}).setdefault("starts_at", []).append(
                    f"Course week {n} ({phase.name.lower()}) would have {counts[n]} sessions; "
                    f"at most {phase.max_per_week} a week — {phase.source}."
                )
    return found
