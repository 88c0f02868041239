"""Reads for scheduling: tenant-scoped, each takes the acting user. A calendar is read with a
fixed number of queries whatever the number of appointments (everything it shows is joined
in), and every page that shows patients' names records which patients it showed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.patients.models import Patient
from ketacare.scheduling import services
from ketacare.scheduling.models import (
    OCCUPYING,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    ClinicClosure,
    ClinicSchedule,
    StaffShift,
)
from ketacare.tenancy.access import Actor, access_object, require_permission, scoped
from ketacare.tenancy.models import Clinic, Membership, Role, TreatmentSpace
from ketacare.tenancy.permissions import Permission
from ketacare.treatment.models import TreatmentPlan

CARE_ROLES = (Role.NURSE, Role.PRESCRIBER, Role.THERAPIST)
# The treatment-day states in which the patient is still in the chair.
IN_CHAIR_STATES = frozenset({"checked_in", "pre_checks", "dosing", "monitoring", "recovery"})


# ---- Access ---------------------------------------------------------------------------------


def clinics_for(user: Actor) -> QuerySet[Clinic]:
    membership = require_permission(user, Permission.VIEW_SCHEDULE)
    return scoped(Clinic.objects.all(), membership).order_by("name")


def get_clinic_for(
    user: Actor, public_id: UUID | str, permission: Permission = Permission.VIEW_SCHEDULE
) -> Clinic:
    return access_object(user, Clinic.objects.all(), permission, public_id=public_id)[1]


def get_appointment_for(
    user: Actor, public_id: UUID | str, permission: Permission = Permission.VIEW_SCHEDULE
) -> Appointment:
    queryset = Appointment.objects.select_related(
        "clinic", "patient", "appointment_type", "space", "staff__user"
    )
    return access_object(user, queryset, permission, public_id=public_id)[1]


def get_plan_for_booking(user: Actor, plan_id: UUID | str) -> TreatmentPlan:
    """A plan to book sessions from: front desk may, though they do not read the chart."""
    queryset = TreatmentPlan.objects.select_related("patient", "organisation")
    return access_object(user, queryset, Permission.BOOK_APPOINTMENT, public_id=plan_id)[1]


def get_patient_for_schedule(user: Actor, public_id: UUID | str) -> Patient:
    queryset = Patient.objects.select_related("organisation")
    return access_object(user, queryset, Permission.VIEW_SCHEDULE, public_id=public_id)[1]


def appointment_types_for(
    user: Actor, *, kinds: Iterable[str] = (), route: str | None = None, active: bool = True
) -> QuerySet[AppointmentType]:
    membership = require_permission(user, Permission.VIEW_SCHEDULE)
    queryset = scoped(AppointmentType.objects.all(), membership)
    if active:
        queryset = queryset.filter(active=True)
    kinds = list(kinds)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    if route is not None:
        queryset = queryset.filter(route=route)
    return queryset.order_by("kind", "name")


def spaces_for(user: Actor, clinic: Clinic | None = None) -> QuerySet[TreatmentSpace]:
    membership = require_permission(user, Permission.VIEW_SCHEDULE)
    queryset = scoped(TreatmentSpace.objects.filter(active=True), membership)
    if clinic is not None:
        queryset = queryset.filter(clinic=clinic)
    return queryset.select_related("clinic").order_by("clinic__name", "name")


def staff_for(
    user: Actor, *, clinic: Clinic | None = None, roles: Iterable[str] = CARE_ROLES
) -> QuerySet[Membership]:
    """Active staff of the user's organisation in the given roles (at the clinic, when given:
    staff tied to no clinic work at all of them)."""
    membership = require_permission(user, Permission.VIEW_SCHEDULE)
    queryset = scoped(Membership.objects.filter(is_active=True), membership).filter(
        role__in=list(roles)
    )
    if clinic is not None:
        queryset = queryset.filter(Q(clinics=clinic) | Q(clinics__isnull=True)).distinct()
    return queryset.select_related("user").order_by("role", "user__full_name", "user__email")


def staff_name(member: Membership | None) -> str:
    if member is None:
        return "—"
    return str(member.user)


# ---- Audit of what a page showed ------------------------------------------------------------


def record_schedule_view(
    *, actor: Actor, page: str, appointments: Iterable[Appointment], clinic: Clinic | None = None
) -> None:
    """One event per page view listing the patients it showed (nothing when it showed none)."""
    shown = sorted({str(a.patient.public_id) for a in appointments})
    if not shown:
        return
    record_event(
        actor=actor,
        action=AuditAction.VIEW,
        obj=clinic,
        detail={"page": page, "shown": shown},
    )


# ---- Calendars ----

# What a calendar, the floor board and the API show: loading only these keeps a week of 500
# appointments cheap (a patient row alone carries a dozen columns the calendar never shows).
CALENDAR_FIELDS = (
    "public_id",
    "organisation_id",
    "clinic_id",
    "kind",
    "route",
    "starts_at",
    "ends_at",
    "status",
    "status_reason",
    "session_number",
    "version",
    "notes",
    "patient__public_id",
    "patient__legal_first_name",
    "patient__legal_last_name",
    "patient__preferred_name",
    "patient__organisation_id",
    "appointment_type__public_id",
    "appointment_type__name",
    "appointment_type__kind",
    "space__public_id",
    "space__name",
    "space__clinic_id",
    "staff__public_id",
    "staff__role",
    "staff__organisation_id",
    "staff__user__full_name",
    "staff__user__email",
    "treatment_session__state",
    "series__public_id",
)  # fmt: skip--------------------------------------------------------------------------


def calendar_appointments(
    user: Actor, clinic: Clinic, first: date, last: date
) -> QuerySet[Appointment]:
    """A clinic's appointments starting on local days `first`..`last` (moved-away ones left
    out: their new booking shows), with everything a calendar cell shows joined in."""
    membership = require_permission(user, Permission.VIEW_SCHEDULE)
    zone = services.clinic_zone(clinic)
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return (
        scoped(Appointment.objects.all(), membership)
        .filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=AppointmentStatus.RESCHEDULED)
        .select_related(
            "patient", "appointment_type", "space", "staff__user", "treatment_session", "series"
        )
        .only(*CALENDAR_FIELDS)
        .order_by("starts_at", "pk")
    )


@dataclass(frozen=True)
class CalendarEntry:
    appointment: Appointment
    start: datetime  # local
    end: datetime  # local
    session_state: str = ""

    @property
    def occupies(self) -> bool:
        return self.appointment.status in OCCUPYING

    @property
    def status(self) -> str:
        return str(self.appointment.status)


@dataclass
class CalendarLane:
    key: str
    name: str
    entries: list[CalendarEntry] = field(default_factory=list)
    free: list[tuple[time, time]] = field(default_factory=list)


@dataclass
class CalendarDay:
    day: date
    hours: tuple[time, time] | None
    closure: str
    lanes: list[CalendarLane]
    is_today: bool = False

    @property
    def closed(self) -> bool:
        return self.hours is None or bool(self.closure)

    @property
    def count(self) -> int:
        return sum(1 for lane in self.lanes for e in lane.entries if e.occupies)


@dataclass
class Calendar:
    clinic: Clinic
    zone: ZoneInfo
    by: str
    first: date
    last: date
    days: list[CalendarDay]
    entries: list[CalendarEntry]


def _session_state(appointment: Appointment) -> str:
    # No session yet raises RelatedObjectDoesNotExist, an AttributeError: getattr's default.
    session = getattr(appointment, "treatment_session", None)
    return str(session.state) if session is not None else ""


def _lanes(
    user: Actor, clinic: Clinic, by: str, entries: Sequence[CalendarEntry]
) -> list[tuple[str, str]]:
    """The lanes (key, name) a calendar shows: every chair, or every member of staff."""
    if by == "staff":
        members = {m.pk: m for m in staff_for(user, clinic=clinic)}
        for entry in entries:
            staff = entry.appointment.staff
            if staff is not None:
                members.setdefault(staff.pk, staff)
        lanes = [
            (str(m.public_id), f"{staff_name(m)} · {m.get_role_display()}")
            for m in members.values()
        ]
        if any(e.appointment.staff_id is None for e in entries):
            lanes.append(("none", "No staff"))
        return lanes
    lanes = [(str(s.public_id), s.name) for s in spaces_for(user, clinic)]
    known = {key for key, _ in lanes}
    for entry in entries:
        space = entry.appointment.space
        if space is not None and str(space.public_id) not in known:
            lanes.append((str(space.public_id), space.name))
            known.add(str(space.public_id))
    if any(e.appointment.space_id is None for e in entries):
        lanes.append(("none", "No chair (consultations, telehealth)"))
    return lanes


def _lane_key(entry: CalendarEntry, by: str) -> str:
    target = entry.appointment.staff if by == "staff" else entry.appointment.space
    return str(target.public_id) if target is not None else "none"


def _free_times(
    hours: tuple[time, time], entries: Sequence[CalendarEntry]
) -> list[tuple[time, time]]:
    """Gaps of at least 30 minutes between the lane's occupying appointments within hours."""
    free: list[tuple[time, time]] = []
    cursor = hours[0]
    for entry in sorted((e for e in entries if e.occupies), key=lambda e: e.start):
        start, end = entry.start.time(), entry.end.time()
        if _minutes(start) - _minutes(cursor) >= 30:
            free.append((cursor, start))
        cursor = max(cursor, end)
    if _minutes(hours[1]) - _minutes(cursor) >= 30:
        free.append((cursor, hours[1]))
    return free


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def calendar(user: Actor, clinic: Clinic, first: date, days: int, by: str = "chair") -> Calendar:
    """Days `first`.. (`days` of them) of a clinic, by chair or by member of staff, with the
    clinic's hours and closures. Query count does not grow with the appointments."""
    by = "staff" if by == "staff" else "chair"
    zone = services.clinic_zone(clinic)
    last = first + timedelta(days=days - 1)
    rows = list(calendar_appointments(user, clinic, first, last))
    entries = [
        CalendarEntry(
            a,
            timezone.localtime(a.starts_at, zone),
            timezone.localtime(a.ends_at, zone),
            _session_state(a),
        )
        for a in rows
    ]
    hours = services.clinic_hours(clinic)
    closures = services.clinic_closures(clinic, first, last)
    lanes = _lanes(user, clinic, by, entries)
    today = timezone.localtime(timezone.now(), zone).date()
    calendar_days: list[CalendarDay] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        opening = hours.get(day.weekday())
        todays = [e for e in entries if e.start.date() == day]
        day_lanes = []
        for key, name in lanes:
            lane = CalendarLane(key, name, [e for e in todays if _lane_key(e, by) == key])
            if opening is not None and day not in closures:
                lane.free = _free_times(opening, lane.entries)
            day_lanes.append(lane)
        calendar_days.append(
            CalendarDay(day, opening, closures.get(day, ""), day_lanes, is_today=day == today)
        )
    return Calendar(clinic, zone, by, first, last, calendar_days, entries)


# ---- The floor board ------------------------------------------------------------------------


@dataclass
class FloorChair:
    space: TreatmentSpace
    current: CalendarEntry | None = None
    upcoming: CalendarEntry | None = None
    later: int = 0

    @property
    def free_until(self) -> datetime | None:
        return self.upcoming.start if self.current is None and self.upcoming else None


@dataclass
class FloorBoard:
    clinic: Clinic
    zone: ZoneInfo
    now: datetime  # local
    hours: tuple[time, time] | None
    closure: str
    chairs: list[FloorChair]
    elsewhere: list[CalendarEntry]
    entries: list[CalendarEntry]


def _in_chair(entry: CalendarEntry, now: datetime) -> bool:
    status = entry.appointment.status
    if status in (AppointmentStatus.CHECKED_IN, AppointmentStatus.IN_PROGRESS):
        return True
    if entry.session_state in IN_CHAIR_STATES:
        return True
    return status == AppointmentStatus.BOOKED and entry.start <= now < entry.end


def floor_board(user: Actor, clinic: Clinic, now: datetime | None = None) -> FloorBoard:
    """Every chair of the clinic today: who is in it (and their treatment-day state), and
    who is due next. Other appointments today (no chair) are listed apart."""
    zone = services.clinic_zone(clinic)
    local_now = timezone.localtime(now or timezone.now(), zone)
    day = local_now.date()
    rows = list(calendar_appointments(user, clinic, day, day))
    entries = [
        CalendarEntry(
            a,
            timezone.localtime(a.starts_at, zone),
            timezone.localtime(a.ends_at, zone),
            _session_state(a),
        )
        for a in rows
    ]
    chairs = [FloorChair(space) for space in spaces_for(user, clinic)]
    by_space = {chair.space.pk: chair for chair in chairs}
    elsewhere: list[CalendarEntry] = []
    for entry in entries:
        chair = by_space.get(entry.appointment.space_id or 0)
        if chair is None:
            if entry.occupies:
                elsewhere.append(entry)
            continue
        if chair.current is None and _in_chair(entry, local_now):
            chair.current = entry
        elif entry.appointment.status == AppointmentStatus.BOOKED and entry.start >= local_now:
            if chair.upcoming is None:
                chair.upcoming = entry
            else:
                chair.later += 1
    return FloorBoard(
        clinic=clinic,
        zone=zone,
        now=local_now,
        hours=services.clinic_hours(clinic).get(day.weekday()),
        closure=services.clinic_closures(clinic, day, day).get(day, ""),
        chairs=chairs,
        elsewhere=elsewhere,
        entries=entries,
    )


# ---- A patient's appointments ---------------------------------------------------------------


@dataclass
class PatientAppointments:
    patient: Patient
    upcoming: list[CalendarEntry]
    past: list[CalendarEntry]


def patient_appointments(
    user: Actor, patient: Patient, now: datetime | None = None, past_limit: int = 50
) -> PatientAppointments:
    """A patient's upcoming appointments (soonest first) and past ones (latest first)."""
    membership = require_permission(user, Permission.VIEW_SCHEDULE)
    moment = now or timezone.now()
    base = (
        scoped(Appointment.objects.all(), membership)
        .filter(patient=patient)
        .exclude(status=AppointmentStatus.RESCHEDULED)
        .select_related("clinic", "appointment_type", "space", "staff__user")
    )

    def entry(a: Appointment) -> CalendarEntry:
        zone = services.clinic_zone(a.clinic)
        return CalendarEntry(
            a, timezone.localtime(a.starts_at, zone), timezone.localtime(a.ends_at, zone)
        )

    upcoming = [entry(a) for a in base.filter(ends_at__gte=moment).order_by("starts_at")]
    past = [entry(a) for a in base.filter(ends_at__lt=moment).order_by("-starts_at")[:past_limit]]
    return PatientAppointments(patient, upcoming, past)


# ---- Settings -------------------------------------------------------------------------------


@dataclass
class ScheduleSettings:
    clinic: Clinic
    types: list[AppointmentType]
    closures: list[ClinicClosure]
    patients_per_nurse: int | None
    shifts: list[StaffShift]
    hours: dict[int, tuple[time, time]]


def schedule_settings(user: Actor, clinic: Clinic, today: date | None = None) -> ScheduleSettings:
    membership = require_permission(user, Permission.MANAGE_SCHEDULE)
    zone = services.clinic_zone(clinic)
    day = today or timezone.localtime(timezone.now(), zone).date()
    since = datetime.combine(day, time(0), tzinfo=zone)
    return ScheduleSettings(
        clinic=clinic,
        types=list(scoped(AppointmentType.objects.all(), membership).order_by("kind", "name")),
        closures=list(ClinicClosure.objects.filter(clinic=clinic, date__gte=day).order_by("date")),
        patients_per_nurse=ClinicSchedule.objects.filter(clinic=clinic)
        .values_list("patients_per_nurse", flat=True)
        .first(),
        shifts=list(
            StaffShift.objects.filter(
                clinic=clinic, ends_at__gte=since, starts_at__lt=since + timedelta(weeks=4)
            )
            .select_related("membership__user")
            .order_by("starts_at")
        ),
        hours=services.clinic_hours(clinic),
    )
