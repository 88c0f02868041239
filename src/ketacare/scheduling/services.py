"""Writes for scheduling: book, move, change status. One transaction each, every rule checked
with the chair, the staff member and the patient locked, a refusal naming the rule and storing
nothing, every change audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.patients.models import Patient
from ketacare.reminders.services import appointment_reminders_sync
from ketacare.scheduling.models import (
    OCCUPYING,
    Appointment,
    AppointmentKind,
    AppointmentSeries,
    AppointmentStatus,
    AppointmentType,
    ClinicClosure,
    ClinicSchedule,
    StaffShift,
)
from ketacare.tenancy.access import Actor, require_permission, require_same_organisation
from ketacare.tenancy.models import Clinic, Membership, Role, TreatmentSpace
from ketacare.tenancy.permissions import Permission

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The appointment's state machine: the one place that says which change of status is allowed.
TRANSITIONS: dict[str, frozenset[str]] = {
    AppointmentStatus.BOOKED: frozenset(
        {
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.CANCELLED,
            AppointmentStatus.NO_SHOW,
            AppointmentStatus.RESCHEDULED,
        }
    ),
    # Checked in but not started (e.g. a failed pre-check): it may still be cancelled.
    AppointmentStatus.CHECKED_IN: frozenset(
        {AppointmentStatus.IN_PROGRESS, AppointmentStatus.COMPLETED, AppointmentStatus.CANCELLED}
    ),
    AppointmentStatus.IN_PROGRESS: frozenset({AppointmentStatus.COMPLETED}),
}
NEEDS_REASON = frozenset({AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW})


class StaleAppointmentError(Exception):
    """The appointment changed since the caller read it."""

    def __init__(self, expected_version: int, current: Appointment) -> None:
        self.expected_version = expected_version
        self.current = current
        self.changed_fields = ["status", "starts_at"]
        super().__init__(
            f"Someone else changed this appointment while you were looking at it: it is now "
            f"{current.get_status_display().lower()} at "
            f"{timezone.localtime(current.starts_at, clinic_zone(current.clinic)):%a %b %-d %H:%M}"
            f" (version {current.version}, you had version {expected_version})."
        )


def clinic_zone(clinic: Clinic) -> ZoneInfo:
    return ZoneInfo(clinic.time_zone)


def clinic_hours(clinic: Clinic) -> dict[int, tuple[time, time]]:
    """The clinic's opening hours as weekday (0=Monday) → (open, close) in local time."""
    hours: dict[int, tuple[time, time]] = {}
    raw = clinic.hours if isinstance(clinic.hours, dict) else {}
    for weekday, key in enumerate(WEEKDAY_KEYS):
        span = raw.get(key)
        if isinstance(span, list | tuple) and len(span) == 2:
            hours[weekday] = (time.fromisoformat(span[0]), time.fromisoformat(span[1]))
    return hours


def clinic_closures(clinic: Clinic, first: date, last: date) -> dict[date, str]:
    return dict(
        ClinicClosure.objects.filter(clinic=clinic, date__range=(first, last)).values_list(
            "date", "reason"
        )
    )


@dataclass(frozen=True)
class Booking:
    """What is asked for: a type of appointment for a patient at a clinic, at a time, in a
    chair or room, with a member of staff."""

    clinic: Clinic
    appointment_type: AppointmentType
    patient: Patient
    starts_at: datetime
    space: TreatmentSpace | None = None
    staff: Membership | None = None
    ends_at: datetime | None = None  # defaults to the type's duration

    @property
    def end(self) -> datetime:
        return self.ends_at or self.starts_at + timedelta(
            minutes=self.appointment_type.duration_minutes
        )


def _fmt(value: datetime, zone: ZoneInfo) -> str:
    return f"{timezone.localtime(value, zone):%a %b %-d %H:%M}"


def _max_concurrent(intervals: Sequence[tuple[datetime, datetime]]) -> int:
    """The most intervals that overlap at any instant (half-open intervals)."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


@dataclass(frozen=True, slots=True)
class Occupied:
    """An occupying appointment as the booking rules read it."""

    pk: int
    starts_at: datetime
    ends_at: datetime
    kind: str
    route: str
    type_id: int
    type_kind: str
    type_name: str
    patient_id: int
    space_id: int | None
    staff_id: int | None


@dataclass(frozen=True)
class BookingFacts:
    """Everything the booking rules read about one clinic, patient, chair and member of staff
    over a span of time, loaded in a few queries (`booking_facts`). One booking loads the facts
    of its own hours; a proposed series loads those of its whole date range once and checks
    every session against them in memory, with the same rules."""

    clinic_id: int
    patient_id: int
    space_id: int | None
    staff_id: int | None
    start: datetime  # the span the facts answer for
    end: datetime
    closures: dict[date, str]
    # Occupying appointments of the chair, the member of staff or the patient that overlap the
    # span widened by a week and the type's spacing, in order of primary key (the first one
    # found is the one a refusal names).
    appointments: tuple[Occupied, ...]
    patients_per_nurse: int | None = None
    prescriber_shifts: tuple[tuple[datetime, datetime], ...] = ()
    staff_clinic_ids: frozenset[int] = frozenset()

    def covers(self, booking: Booking) -> bool:
        return (
            booking.clinic.pk == self.clinic_id
            and booking.patient.pk == self.patient_id
            and (booking.space.pk if booking.space else None) == self.space_id
            and (booking.staff.pk if booking.staff else None) == self.staff_id
            and self.start <= booking.starts_at
            and booking.end <= self.end
        )

    def overlapping(self, start: datetime, end: datetime) -> list[Occupied]:
        return [a for a in self.appointments if a.starts_at < end and a.ends_at > start]

    def busy(self) -> list[tuple[datetime, datetime]]:
        """When the chair or the patient is taken, in order of start."""
        return sorted(
            (a.starts_at, a.ends_at)
            for a in self.appointments
            if a.patient_id == self.patient_id
            or (self.space_id is not None and a.space_id == self.space_id)
        )


_OCCUPIED_COLUMNS = (
    "pk", "starts_at", "ends_at", "kind", "route", "appointment_type_id",
    "appointment_type__kind", "appointment_type__name", "patient_id", "space_id", "staff_id",
)  # fmt: skip


def booking_facts(
    *,
    clinic: Clinic,
    appointment_type: AppointmentType,
    patient: Patient,
    space: TreatmentSpace | None,
    staff: Membership | None,
    start: datetime,
    end: datetime,
    ignore: Iterable[int] = (),
) -> BookingFacts:
    """Load what the booking rules need for bookings of `appointment_type` between `start`
    and `end` (one query for the appointments, one each for the closures and, when the type
    needs them, the nurse ratio, the prescribers' rota and the staff member's clinics).
    Appointments in `ignore` (the one being moved) are left out."""
    zone = clinic_zone(clinic)
    margin = max(timedelta(days=7), timedelta(hours=appointment_type.min_hours_between or 0))
    who = Q(patient=patient)
    if space is not None:
        who |= Q(space=space)
    if staff is not None:
        who |= Q(staff=staff)
    appointments = tuple(
        Occupied(*row)
        for row in Appointment.objects.filter(
            who, status__in=OCCUPYING, starts_at__lt=end + margin, ends_at__gt=start - margin
        )
        .exclude(pk__in=list(ignore))
        .order_by("pk")
        .values_list(*_OCCUPIED_COLUMNS)
    )
    ratio = None
    if staff is not None and appointment_type.kind == AppointmentKind.TREATMENT:
        ratio = (
            ClinicSchedule.objects.filter(clinic=clinic)
            .values_list("patients_per_nurse", flat=True)
            .first()
        )
    shifts: tuple[tuple[datetime, datetime], ...] = ()
    if appointment_type.prescriber_on_site:
        shifts = tuple(
            StaffShift.objects.filter(
                clinic=clinic,
                membership__role=Role.PRESCRIBER,
                membership__is_active=True,
                starts_at__lt=end,
                ends_at__gt=start,
            ).values_list("starts_at", "ends_at")
        )
    return BookingFacts(
        clinic_id=clinic.pk,
        patient_id=patient.pk,
        space_id=space.pk if space else None,
        staff_id=staff.pk if staff else None,
        start=start,
        end=end,
        closures=clinic_closures(
            clinic, timezone.localtime(start, zone).date(), timezone.localtime(end, zone).date()
        ),
        appointments=appointments,
        patients_per_nurse=ratio,
        prescriber_shifts=shifts,
        staff_clinic_ids=(
            frozenset(staff.clinics.values_list("pk", flat=True)) if staff else frozenset()
        ),
    )


def booking_problems(
    booking: Booking, *, ignore: Iterable[int] = (), facts: BookingFacts | None = None
) -> dict[str, list[str]]:
    """Every rule the booking breaks, by field. Empty when it may be booked. The caller holds
    the locks (see `_lock`) so that the answer still holds when the row is written.

    Without `facts`, reads what this booking needs (a few queries); with `facts` (see
    `booking_facts`, loaded once for a series), reads nothing."""
    problems: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    clinic, kind_type = booking.clinic, booking.appointment_type
    zone = clinic_zone(clinic)
    start, end = booking.starts_at, booking.end
    if timezone.is_naive(start) or timezone.is_naive(end):
        refuse("starts_at", "Give a time with its time zone.")
        return problems
    if end <= start:
        refuse("ends_at", "The appointment must end after it starts.")
        return problems
    if end - start > timedelta(hours=12):
        refuse("ends_at", "An appointment cannot last more than 12 hours.")
        return problems
    if not kind_type.active:
        refuse("appointment_type", f"{kind_type.name} is no longer offered.")
    if kind_type.organisation_id != clinic.organisation_id:
        refuse("appointment_type", "Unknown appointment type.")
        return problems
    if facts is None:
        facts = booking_facts(
            clinic=clinic,
            appointment_type=kind_type,
            patient=booking.patient,
            space=booking.space,
            staff=booking.staff,
            start=start,
            end=end,
            ignore=ignore,
        )
    elif not facts.covers(booking):
        raise ValueError("These booking facts were loaded for another booking or time.")

    # Hours and closures, in the clinic's own time.
    local_start, local_end = timezone.localtime(start, zone), timezone.localtime(end, zone)
    closures = facts.closures
    opening = clinic_hours(clinic).get(local_start.weekday())
    if local_start.date() in closures:
        refuse(
            "starts_at",
            f"{clinic.name} is closed on {local_start:%a %b %-d} ({closures[local_start.date()]}).",
        )
    elif opening is None:
        refuse("starts_at", f"{clinic.name} is not open on {local_start:%A}s.")
    elif not (
        local_end.date() == local_start.date()
        and opening[0] <= local_start.time()
        and local_end.time() <= opening[1]
    ):
        refuse(
            "starts_at",
            f"{local_start:%H:%M}–{local_end:%H:%M} is outside {clinic.name}'s hours on "
            f"{local_start:%A}s ({opening[0]:%H:%M}–{opening[1]:%H:%M}).",
        )

    occupying = facts.overlapping(start, end)

    # The chair or room.
    space = booking.space
    if kind_type.needs_space and space is None:
        refuse("space", "Choose a chair or room.")
    if space is not None:
        if space.clinic_id != clinic.pk:
            refuse("space", f"{space.name} is not at {clinic.name}.")
        elif not space.active:
            refuse("space", f"{space.name} is out of use.")
        else:
            taken = next((a for a in occupying if a.space_id == space.pk), None)
            if taken is not None:
                refuse(
                    "space",
                    f"{space.name} is taken {_fmt(taken.starts_at, zone)}–"
                    f"{timezone.localtime(taken.ends_at, zone):%H:%M} by another booking.",
                )

    # The member of staff, and how many patients one nurse may watch at once.
    staff = booking.staff
    if staff is None:
        refuse("staff", f"Choose a {Role(kind_type.staff_role).label.lower()}.")
    else:
        if staff.organisation_id != clinic.organisation_id or not staff.is_active:
            refuse("staff", "Unknown member of staff.")
        elif staff.role != kind_type.staff_role:
            refuse(
                "staff",
                f"{staff.user.get_full_name()} is a "
                f"{staff.get_role_display().lower()}; {kind_type.name} needs a "
                f"{Role(kind_type.staff_role).label.lower()}.",
            )
        elif facts.staff_clinic_ids and clinic.pk not in facts.staff_clinic_ids:
            refuse(
                "staff",
                f"{staff.user.get_full_name()} does not work at {clinic.name}.",
            )
        else:
            theirs = [(a.kind, a.starts_at, a.ends_at) for a in occupying if a.staff_id == staff.pk]
            shared = kind_type.kind == AppointmentKind.TREATMENT and staff.role == Role.NURSE
            if shared:
                ratio = facts.patients_per_nurse
                if not ratio:
                    refuse(
                        "staff",
                        f"Set {clinic.name}'s patients-per-nurse ratio in the schedule "
                        "settings before booking treatment sessions.",
                    )
                elif any(k != AppointmentKind.TREATMENT for k, _, _ in theirs):
                    refuse("staff", "This nurse has another kind of appointment then.")
                else:
                    spans = [(max(s, start), min(e, end)) for _, s, e in theirs]
                    if _max_concurrent(spans) + 1 > ratio:
                        refuse(
                            "staff",
                            f"The nurse would watch more than {ratio} patients at once "
                            f"(the clinic's ratio is 1 nurse to {ratio}).",
                        )
            elif theirs:
                refuse("staff", "This member of staff has another appointment then.")

    # A prescriber on site throughout (esketamine REMS, S4).
    if kind_type.prescriber_on_site and not any(
        s <= start and e >= end for s, e in facts.prescriber_shifts
    ):
        refuse(
            "starts_at",
            "No prescriber is on the rota on site for the whole session; the esketamine REMS "
            "needs one present during dosing and monitoring.",
        )

    # The patient: one place at a time, and the protocol's spacing.
    patient = booking.patient
    if patient.organisation_id != clinic.organisation_id:
        refuse("patient", "Unknown patient.")
        return problems
    mine = [a for a in facts.appointments if a.patient_id == patient.pk]
    clash = next((a for a in mine if a.starts_at < end and a.ends_at > start), None)
    if clash is not None:
        refuse(
            "starts_at",
            f"The patient already has {clash.type_name} at {_fmt(clash.starts_at, zone)}.",
        )
    if kind_type.min_hours_between:
        gap = timedelta(hours=kind_type.min_hours_between)
        near = next(
            (
                a
                for a in mine
                if a.type_kind == AppointmentKind.TREATMENT
                and a.route == kind_type.route
                and start - gap < a.starts_at < start + gap
            ),
            None,
        )
        if near is not None and kind_type.kind == AppointmentKind.TREATMENT:
            refuse(
                "starts_at",
                f"Sessions must be at least {kind_type.min_hours_between} h apart; the patient "
                f"has one at {_fmt(near.starts_at, zone)}.",
            )
    if kind_type.max_per_week:
        week_start = local_start.date() - timedelta(days=local_start.weekday())
        week_from = datetime.combine(week_start, time(0), tzinfo=zone)
        week_to = datetime.combine(week_start + timedelta(days=7), time(0), tzinfo=zone)
        count = sum(
            1 for a in mine if a.type_id == kind_type.pk and week_from <= a.starts_at < week_to
        )
        if count >= kind_type.max_per_week:
            refuse(
                "starts_at",
                f"The patient already has {count} {kind_type.name} that week; at most "
                f"{kind_type.max_per_week} a week.",
            )
    return problems


def _lock(booking: Booking) -> None:
    """Lock the rows every conflicting booking also locks, always in the same order (patient,
    chair, staff), so that two people booking the last chair at once are served one after the
    other and the second sees the first's booking (PostgreSQL; SQLite serialises writers)."""
    Patient.objects.select_for_update().filter(pk=booking.patient.pk).first()
    if booking.space is not None:
        TreatmentSpace.objects.select_for_update().filter(pk=booking.space.pk).first()
    if booking.staff is not None:
        Membership.objects.select_for_update().filter(pk=booking.staff.pk).first()


def _check(actor: Actor, booking: Booking) -> Membership:
    membership = require_permission(actor, Permission.BOOK_APPOINTMENT)
    require_same_organisation(membership, booking.clinic.organisation_id, "clinic")
    require_same_organisation(membership, booking.patient.organisation_id, "patient")
    return membership


def _create(actor: Actor, membership: Membership, booking: Booking, **extra: Any) -> Appointment:
    kind_type = booking.appointment_type
    appointment = Appointment.objects.create(
        organisation_id=booking.clinic.organisation_id,
        clinic=booking.clinic,
        patient=booking.patient,
        appointment_type=kind_type,
        kind=kind_type.kind,
        route=kind_type.route,
        space=booking.space,
        staff=booking.staff,
        starts_at=booking.starts_at,
        ends_at=booking.end,
        created_by=membership.user,
        **extra,
    )
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=appointment,
        patient_public_id=booking.patient.public_id,
        detail={
            "type": kind_type.name,
            "starts_at": appointment.starts_at.isoformat(),
            **(
                {"from": str(extra["rescheduled_from"].public_id)}
                if "rescheduled_from" in extra
                else {}
            ),
        },
    )
    appointment_reminders_sync(actor=actor, appointment=appointment)
    return appointment


@transaction.atomic
def appointment_book(
    *,
    actor: Actor,
    booking: Booking,
    plan: Any = None,
    session_number: int | None = None,
    consultation_request: Any = None,
    notes: str = "",
) -> Appointment:
    """Book one appointment, or raise ValidationError naming each rule it breaks."""
    membership = _check(actor, booking)
    if plan is not None:
        require_same_organisation(membership, plan.organisation_id, "plan")
        if plan.patient_id != booking.patient.pk:
            raise ValidationError({"plan": ["That plan belongs to another patient."]})
    _lock(booking)
    problems = booking_problems(booking)
    if problems:
        raise ValidationError(problems)
    return _create(
        actor,
        membership,
        booking,
        plan=plan,
        session_number=session_number,
        consultation_request=consultation_request,
        notes=notes.strip()[:500],
    )


@transaction.atomic
def series_book(
    *,
    actor: Actor,
    plan: Any,
    appointment_type: AppointmentType,
    clinic: Clinic,
    sessions: Sequence[tuple[datetime, TreatmentSpace | None, Membership | None]],
    weekdays: Sequence[int],
    local_time: time,
    first_session_number: int = 1,
) -> AppointmentSeries:
    """Book a plan's sessions together: all of them, or none (the refusal says which session
    broke which rule, e.g. {"session_3": [...]})."""
    membership = require_permission(actor, Permission.BOOK_APPOINTMENT)
    require_same_organisation(membership, plan.organisation_id, "plan")
    require_same_organisation(membership, clinic.organisation_id, "clinic")
    if not sessions:
        raise ValidationError({"sessions": ["Choose at least one session."]})
    series = AppointmentSeries.objects.create(
        organisation_id=plan.organisation_id,
        patient=plan.patient,
        plan=plan,
        clinic=clinic,
        appointment_type=appointment_type,
        weekdays=sorted(set(weekdays)),
        local_time=local_time,
        created_by=membership.user,
    )
    problems: dict[str, list[str]] = {}
    for offset, (starts_at, space, staff) in enumerate(sorted(sessions, key=lambda s: s[0])):
        number = first_session_number + offset
        booking = Booking(clinic, appointment_type, plan.patient, starts_at, space, staff)
        _lock(booking)
        broken = booking_problems(booking)
        if broken:
            for field, messages in broken.items():
                problems.setdefault(f"session_{number}", []).extend(
                    f"{field}: {m}" for m in messages
                )
            continue
        _create(actor, membership, booking, plan=plan, series=series, session_number=number)
    if problems:
        transaction.set_rollback(True)
        raise ValidationError(problems)
    record_event(
        actor=actor,
        action=AuditAction.CREATE,
        obj=series,
        patient_public_id=plan.patient.public_id,
        detail={"sessions": len(sessions)},
    )
    return series


def _locked(appointment: Appointment, expected_version: int | None) -> Appointment:
    current = (
        Appointment.objects.select_for_update()
        .select_related("clinic", "patient", "appointment_type")
        .get(pk=appointment.pk)
    )
    if expected_version is not None and expected_version != current.version:
        raise StaleAppointmentError(expected_version, current)
    return current


@transaction.atomic
def appointment_transition(
    *,
    actor: Actor,
    appointment: Appointment,
    to: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Appointment:
    """Move an appointment along its state machine (not to "rescheduled": use
    `appointment_move`)."""
    membership = require_permission(actor, Permission.BOOK_APPOINTMENT)
    require_same_organisation(membership, appointment.organisation_id, "appointment")
    current = _locked(appointment, expected_version)
    if to not in AppointmentStatus.values or to == AppointmentStatus.RESCHEDULED:
        raise ValidationError({"status": [f"Cannot set the status to {to!r} here."]})
    allowed = TRANSITIONS.get(current.status, frozenset())
    if to not in allowed:
        names = ", ".join(sorted(allowed - {AppointmentStatus.RESCHEDULED})) or "nothing"
        raise ValidationError(
            {
                "status": [
                    f"A {current.get_status_display().lower()} appointment cannot become "
                    f"{AppointmentStatus(to).label.lower()}; it may become: {names}."
                ]
            }
        )
    reason = reason.strip()
    if to in NEEDS_REASON and not reason:
        raise ValidationError(
            {"reason": [f"Say why the appointment is {AppointmentStatus(to).label.lower()}."]}
        )
    before = current.status
    current.status = to
    current.status_reason = reason[:500]
    current.status_changed_at = timezone.now()
    current.version += 1
    current.save(update_fields=["status", "status_reason", "status_changed_at", "version"])
    appointment_reminders_sync(actor=actor, appointment=current)
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=current.patient.public_id,
        changed_fields=["status"],
        detail={"from": before, "to": to, **({"reason": reason} if reason else {})},
    )
    return current


@transaction.atomic
def appointment_move(
    *,
    actor: Actor,
    appointment: Appointment,
    starts_at: datetime,
    space: TreatmentSpace | None,
    staff: Membership | None,
    expected_version: int | None = None,
    reason: str = "",
) -> Appointment:
    """Move a booked appointment to another time, chair or member of staff. The old one is
    kept as "rescheduled" and points to the new one, so that history stays readable."""
    membership = require_permission(actor, Permission.BOOK_APPOINTMENT)
    require_same_organisation(membership, appointment.organisation_id, "appointment")
    current = _locked(appointment, expected_version)
    if current.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {"status": [f"Only a booked appointment can be moved; this one is {current.status}."]}
        )
    duration = current.ends_at - current.starts_at
    booking = Booking(
        current.clinic,
        current.appointment_type,
        current.patient,
        starts_at,
        space,
        staff,
        ends_at=starts_at + duration,
    )
    _lock(booking)
    problems = booking_problems(booking, ignore=[current.pk])
    if problems:
        raise ValidationError(problems)
    current.status = AppointmentStatus.RESCHEDULED
    current.status_reason = reason.strip()[:500]
    current.status_changed_at = timezone.now()
    current.version += 1
    current.save(update_fields=["status", "status_reason", "status_changed_at", "version"])
    appointment_reminders_sync(actor=actor, appointment=current)
    moved = _create(
        actor,
        membership,
        booking,
        plan=current.plan,
        series=current.series,
        session_number=current.session_number,
        consultation_request=current.consultation_request,
        notes=current.notes,
        rescheduled_from=current,
    )
    record_event(
        actor=actor,
        action=AuditAction.CHANGE,
        obj=current,
        patient_public_id=current.patient.public_id,
        changed_fields=["status"],
        detail={"from": AppointmentStatus.BOOKED, "to": AppointmentStatus.RESCHEDULED},
    )
    return moved


def _require_manage(actor: Actor, clinic: Clinic) -> Membership:
    membership = require_permission(actor, Permission.MANAGE_SCHEDULE)
    require_same_organisation(membership, clinic.organisation_id, "clinic")
    return membership


@transaction.atomic
def clinic_closure_add(*, actor: Actor, clinic: Clinic, day: date, reason: str) -> ClinicClosure:
    _require_manage(actor, clinic)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the clinic is closed."]})
    if ClinicClosure.objects.filter(clinic=clinic, date=day).exists():
        raise ValidationError({"date": [f"{clinic.name} is already closed on {day:%b %-d}."]})
    closure = ClinicClosure.objects.create(
        organisation_id=clinic.organisation_id, clinic=clinic, date=day, reason=reason.strip()
    )
    record_event(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGE,
        obj=closure,
        detail={"clinic": clinic.name, "closed": day.isoformat(), "reason": closure.reason},
    )
    return closure


@transaction.atomic
def patients_per_nurse_set(*, actor: Actor, clinic: Clinic, patients: int | None) -> ClinicSchedule:
    """The clinic's staffing policy: how many patients in treatment one nurse watches at once."""
    _require_manage(actor, clinic)
    if patients is not None and not 1 <= patients <= 20:
        raise ValidationError({"patients_per_nurse": ["Give a number from 1 to 20."]})
    schedule, _ = ClinicSchedule.objects.get_or_create(
        clinic=clinic, defaults={"organisation_id": clinic.organisation_id}
    )
    before = schedule.patients_per_nurse
    schedule.patients_per_nurse = patients
    schedule.save(update_fields=["patients_per_nurse"])
    record_event(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGE,
        obj=schedule,
        changed_fields=["patients_per_nurse"],
        detail={"clinic": clinic.name, "from": before, "to": patients},
    )
    return schedule


@transaction.atomic
def staff_shift_add(
    *, actor: Actor, clinic: Clinic, membership: Membership, starts_at: datetime, ends_at: datetime
) -> StaffShift:
    """Put a member of staff on the rota at a clinic."""
    _require_manage(actor, clinic)
    if membership.organisation_id != clinic.organisation_id or not membership.is_active:
        raise ValidationError({"membership": ["Unknown member of staff."]})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": ["The shift must end after it starts."]})
    if StaffShift.objects.filter(
        membership=membership, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exists():
        raise ValidationError({"starts_at": ["This person is already on the rota then."]})
    shift = StaffShift.objects.create(
        organisation_id=clinic.organisation_id,
        clinic=clinic,
        membership=membership,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    record_event(actor=actor, action=AuditAction.SETTINGS_CHANGE, obj=shift)
    return shift


@transaction.atomic
def appointment_type_save(
    *,
    actor: Actor,
    clinic: Clinic,
    values: dict[str, Any],
    appointment_type: AppointmentType | None = None,
) -> AppointmentType:
    """Create or change one of the practice's appointment types."""
    _require_manage(actor, clinic)
    target = appointment_type or AppointmentType(organisation_id=clinic.organisation_id)
    if target.organisation_id != clinic.organisation_id:
        raise ValidationError({"appointment_type": ["Unknown appointment type."]})
    for field, value in values.items():
        setattr(target, field, value)
    target.full_clean()
    target.save()
    record_event(
        actor=actor,
        action=AuditAction.SETTINGS_CHANGE,
        obj=target,
        changed_fields=sorted(values),
        detail={"name": target.name},
    )
    return target
