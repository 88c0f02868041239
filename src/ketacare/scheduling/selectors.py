"""Reads for scheduling: tenant-scoped, each takes the acting user. A calendar is read with a
fixed number of queries whatever the number of appointments (everything it shows is joined
in), and every page that shows patients' names records which patients it showed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.audit.services import record_event
from ketacare.patients.models import Patient
from ketacare.scheduling import services
from ketacare.scheduling.models import (
    OCCUPYING,
    Appointment,
    AppointmentKind,
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
    *,
    actor: Actor,
    page: str,
    appointments: Iterable[Appointment] = (),
    patients: Iterable[UUID] = (),
    clinic: Clinic | None = None,
) -> None:
    """One event per page view listing the patients it showed (nothing when it showed none):
    give the appointments, or the patients' public ids."""
    shown = sorted({str(a.patient.public_id) for a in appointments} | {str(p) for p in patients})
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


@dataclass(frozen=True, slots=True)
class _NameParts:
    """The three columns `Patient.display_name` reads, without building a Patient."""

    preferred_name: str
    legal_first_name: str
    legal_last_name: str


def _display_name(preferred: str, first: str, last: str) -> str:
    # `Patient.display_name` (the one rule for a patient's name on screen), applied to the
    # three columns it reads.
    return str(Patient.display_name.__get__(_NameParts(preferred, first, last)))


@dataclass(frozen=True, slots=True)
class CalendarRow:
    """One appointment as the week and day calendars show it: plain values read with one
    joined query, its start and end already in the clinic's time. Building a model instance
    for the appointment and for each of its patient, type, chair and staff costs more than
    the query itself for a week of 500 appointments."""

    pk: int
    public_id: UUID
    status: str
    status_reason: str
    starts_at: datetime  # UTC
    start: datetime  # local
    end: datetime  # local
    session_number: int | None
    version: int
    patient_public_id: UUID
    patient_name: str
    type_name: str
    space_id: int | None
    space_name: str
    staff_id: int | None
    staff_name: str
    staff_role: str
    session_state: str

    @property
    def occupies(self) -> bool:
        return self.status in OCCUPYING

    @property
    def status_label(self) -> str:
        return str(AppointmentStatus(self.status).label)


_ROW_COLUMNS = (
    "pk", "public_id", "status", "status_reason", "starts_at", "ends_at", "session_number",
    "version", "patient__public_id", "patient__preferred_name", "patient__legal_first_name",
    "patient__legal_last_name", "appointment_type__name", "space_id", "space__name", "staff_id",
    "staff__role", "staff__user__full_name", "staff__user__email", "treatment_session__state",
)  # fmt: skip


def calendar_rows(user: Actor, clinic: Clinic, first: date, last: date) -> list[CalendarRow]:
    """`calendar_appointments` as plain rows (one query), times converted to the clinic's
    zone once per distinct instant and names formatted once per patient and member of staff."""
    zone = services.clinic_zone(clinic)
    local: dict[datetime, datetime] = {}
    names: dict[UUID, str] = {}
    staff_names: dict[int, str] = {}
    rows: list[CalendarRow] = []
    for (
        pk, public_id, status, reason, starts_at, ends_at, number, version, patient_id,
        preferred, first_name, last_name, type_name, space_id, space_name, staff_id,
        staff_role, full_name, email, state,
    ) in calendar_appointments(user, clinic, first, last).values_list(*_ROW_COLUMNS):  # fmt: skip
        start = local.get(starts_at)
        if start is None:
            start = local[starts_at] = starts_at.astimezone(zone)
        end = local.get(ends_at)
        if end is None:
            end = local[ends_at] = ends_at.astimezone(zone)
        name = names.get(patient_id)
        if name is None:
            name = names[patient_id] = _display_name(preferred, first_name, last_name)
        who = ""
        if staff_id is not None:
            who = staff_names.get(staff_id) or staff_names.setdefault(
                staff_id,
                full_name or email,  # accounts.User.__str__
            )
        rows.append(
            CalendarRow(
                pk, public_id, status, reason, starts_at, start, end, number, version,
                patient_id, name, type_name, space_id, space_name or "", staff_id, who,
                staff_role or "", state or "",
            )
        )  # fmt: skip
    return rows


@dataclass
class CalendarLane:
    key: int | None  # the chair's or the staff member's primary key; None: no chair or staff
    name: str
    entries: list[CalendarRow] = field(default_factory=list)
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
    entries: list[CalendarRow]


def _session_state(appointment: Appointment) -> str:
    # No session yet raises RelatedObjectDoesNotExist, an AttributeError: getattr's default.
    session = getattr(appointment, "treatment_session", None)
    return str(session.state) if session is not None else ""


def _lanes(
    user: Actor, clinic: Clinic, by: str, entries: Sequence[CalendarRow]
) -> list[tuple[int | None, str]]:
    """The lanes (key, name) a calendar shows: every chair, or every member of staff."""
    lanes: dict[int | None, str]
    if by == "staff":
        lanes = {
            m.pk: f"{staff_name(m)} · {m.get_role_display()}"
            for m in staff_for(user, clinic=clinic)
        }
        for entry in entries:
            if entry.staff_id is not None and entry.staff_id not in lanes:
                lanes[entry.staff_id] = f"{entry.staff_name} · {Role(entry.staff_role).label}"
        if any(e.staff_id is None for e in entries):
            lanes[None] = "No staff"
        return list(lanes.items())
    lanes = {s.pk: s.name for s in spaces_for(user, clinic)}
    for entry in entries:
        if entry.space_id is not None:
            lanes.setdefault(entry.space_id, entry.space_name)
    if any(e.space_id is None for e in entries):
        lanes[None] = "No chair (consultations, telehealth)"
    return list(lanes.items())


def _lane_key(entry: CalendarRow, by: str) -> int | None:
    return entry.staff_id if by == "staff" else entry.space_id


def _free_times(
    hours: tuple[time, time], entries: Sequence[CalendarRow]
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
    entries = calendar_rows(user, clinic, first, last)
    hours = services.clinic_hours(clinic)
    closures = services.clinic_closures(clinic, first, last)
    lanes = _lanes(user, clinic, by, entries)
    grouped: dict[tuple[date, int | None], list[CalendarRow]] = {}
    for entry in entries:  # already in order of start
        grouped.setdefault((entry.start.date(), _lane_key(entry, by)), []).append(entry)
    today = timezone.localtime(timezone.now(), zone).date()
    calendar_days: list[CalendarDay] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        opening = hours.get(day.weekday())
        day_lanes = []
        for key, name in lanes:
            lane = CalendarLane(key, name, grouped.get((day, key), []))
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
    due_next: Any = None  # treatment_sessions.selectors.DueNext, filled by the view

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


def next_treatment_starts(user: Actor, patient_ids: Iterable[int]) -> dict[int, datetime]:
    """When each patient's next booked treatment session starts (one query), for the
    "before each session" questionnaire schedules (`measures.due.due_status`). A session under
    way still counts as next until it ends."""
    membership = require_permission(user, Permission.VIEW_PATIENT)
    rows = (
        scoped(Appointment.objects.all(), membership)
        .filter(
            patient_id__in=list(patient_ids),
            kind=AppointmentKind.TREATMENT,
            status__in=[
                AppointmentStatus.BOOKED,
                AppointmentStatus.CHECKED_IN,
                AppointmentStatus.IN_PROGRESS,
            ],
            ends_at__gt=timezone.now(),
        )
        .values("patient_id")
        .annotate(first=Min("starts_at"))
    )
    return {row["patient_id"]: row["first"] for row in rows}
