"""Demo scheduling: appointment types, a nurse ratio, a four-week rota, a few closures and a
realistic spread of appointments (two weeks back, three ahead) for the demo patients with active
plans. Everything goes through the scheduling services, so every rule holds and every change is
audited. Idempotent: what exists is kept."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.patients.models import Patient
from ketacare.scheduling import series, services
from ketacare.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentType,
    ClinicClosure,
    ClinicSchedule,
    StaffShift,
)
from ketacare.tenancy.models import Clinic, Membership, Organisation, Role, Route, TreatmentSpace
from ketacare.treatment.models import PlanStatus, TreatmentPlan

# The demo practice's own settings (no source gives appointment lengths or a staffing ratio):
# IV chair time covers a 40-minute infusion plus monitoring and recovery; esketamine covers the
# label's two-hour observation plus setting up; the weekly cap of two is the label's induction
# rhythm (S3a), which the series booking also follows phase by phase.
DEMO_TYPES: tuple[dict[str, Any], ...] = (
    {"name": "IV infusion", "kind": AppointmentKind.TREATMENT, "route": Route.IV,
     "duration_minutes": 120, "staff_role": Role.NURSE, "min_hours_between": 48},
    {"name": "Esketamine session", "kind": AppointmentKind.TREATMENT, "route": Route.ESKETAMINE,
     "duration_minutes": 150, "staff_role": Role.NURSE, "prescriber_on_site": True,
     "max_per_week": 2},
    {"name": "Consultation", "kind": AppointmentKind.CONSULTATION, "duration_minutes": 60,
     "staff_role": Role.PRESCRIBER, "needs_space": False},
    {"name": "Integration therapy", "kind": AppointmentKind.INTEGRATION, "duration_minutes": 50,
     "staff_role": Role.THERAPIST, "needs_space": False},
    {"name": "Follow-up", "kind": AppointmentKind.FOLLOW_UP, "duration_minutes": 30,
     "staff_role": Role.PRESCRIBER, "needs_space": False},
    {"name": "Telehealth visit", "kind": AppointmentKind.TELEHEALTH, "duration_minutes": 30,
     "staff_role": Role.PRESCRIBER, "needs_space": False},
)  # fmt: skip
DEMO_PATIENTS_PER_NURSE = 2
ROTA_WEEKS = 4
SESSION_TIMES = (time(9), time(10), time(13), time(14))


def _user(org: Organisation, handle: str) -> User:
    return User.objects.get(email=f"{handle}@{org.slug}.test")


def _thanksgiving(year: int) -> date:
    day = date(year, 11, 1)
    while day.weekday() != 3:
        day += timedelta(days=1)
    return day + timedelta(weeks=3)


def _closures_between(first: date, last: date) -> dict[date, str]:
    found: dict[date, str] = {}
    for year in {first.year, last.year}:
        holidays = {
            _thanksgiving(year): "Thanksgiving",
            date(year, 12, 25): "Christmas Day",
            date(year, 1, 1): "New Year's Day",
            date(year, 7, 4): "Independence Day",
        }
        found |= {d: why for d, why in holidays.items() if first <= d <= last}
    training = first + timedelta(days=10)
    while training.weekday() != 2:  # a Wednesday
        training += timedelta(days=1)
    found.setdefault(training, "Staff training day (emergency drills)")
    return found


def _types(org: Organisation, clinic: Clinic, desk: User) -> dict[str, AppointmentType]:
    have = {t.name: t for t in AppointmentType.objects.filter(organisation=org)}
    for values in DEMO_TYPES:
        if values["name"] not in have:
            have[values["name"]] = services.appointment_type_save(
                actor=desk, clinic=clinic, values=dict(values)
            )
    return have


def _rota(org: Organisation, clinics: list[Clinic], desk: User, first: date, days: int) -> None:
    """Nurse, prescriber and therapist on site on open days; with two clinics the prescriber
    alternates days between them (one person cannot be in two places)."""
    members = list(
        Membership.objects.filter(
            organisation=org, is_active=True, role__in=[Role.NURSE, Role.PRESCRIBER, Role.THERAPIST]
        )
    )
    for offset in range(days):
        day = first + timedelta(days=offset)
        for member in members:
            clinic = clinics[offset % len(clinics)] if member.role != Role.NURSE else clinics[0]
            opening = services.clinic_hours(clinic).get(day.weekday())
            if opening is None:
                continue
            zone = services.clinic_zone(clinic)
            start = datetime.combine(day, opening[0], tzinfo=zone)
            end = datetime.combine(day, opening[1], tzinfo=zone)
            if StaffShift.objects.filter(
                membership=member, starts_at__lt=end, ends_at__gt=start
            ).exists():
                continue
            services.staff_shift_add(
                actor=desk, clinic=clinic, membership=member, starts_at=start, ends_at=end
            )


def _complete(actor: User, appointment: Appointment) -> None:
    appointment = services.appointment_transition(
        actor=actor, appointment=appointment, to="checked_in"
    )
    services.appointment_transition(actor=actor, appointment=appointment, to="completed")


def _plan_sessions(
    org: Organisation,
    clinic: Clinic,
    plan: TreatmentPlan,
    kind_type: AppointmentType,
    index: int,
    today: date,
    desk: User,
    nurse: Membership,
) -> None:
    """The plan's series on Mon/Wed/Fri, started between 12 days ago and 4 days ahead."""
    if Appointment.objects.filter(plan=plan).exists():
        return
    chairs = list(TreatmentSpace.objects.filter(clinic=clinic, kind="chair", active=True))
    first = today - timedelta(days=12) + timedelta(days=8 * index)
    proposal = series.series_propose(
        actor=desk, plan=plan, clinic=clinic, appointment_type=kind_type, first_date=first,
        weekdays=(0, 2, 4), local_time=SESSION_TIMES[index % len(SESSION_TIMES)],
        space=chairs[index % len(chairs)], staff=nurse, count=plan.planned_sessions,
    )  # fmt: skip
    bookable = [s for s in proposal.sessions if s.bookable]
    if not bookable:
        return
    made = services.series_book(
        actor=desk, plan=plan, appointment_type=kind_type, clinic=clinic,
        sessions=[(s.starts_at, s.space, s.staff) for s in bookable], weekdays=(0, 2, 4),
        local_time=SESSION_TIMES[index % len(SESSION_TIMES)],
    )  # fmt: skip
    now = timezone.now()
    for number, appointment in enumerate(made.appointments.order_by("starts_at"), start=1):
        if appointment.ends_at >= now:
            continue
        if index == 1 and number == 2:
            services.appointment_transition(
                actor=desk, appointment=appointment, to="no_show",
                reason="Did not arrive; phoned twice, no answer.",
            )  # fmt: skip
        else:
            _complete(desk, appointment)


def _visits(
    org: Organisation, clinic: Clinic, types: dict[str, AppointmentType], today: date, desk: User
) -> None:
    """Consultations for patients in consultation, integration sessions and follow-ups for the
    patients in treatment, on the next open weekdays."""
    zone = services.clinic_zone(clinic)
    hours = services.clinic_hours(clinic)
    staff = {
        m.role: m
        for m in Membership.objects.filter(organisation=org, is_active=True).select_related("user")
    }
    wanted: list[tuple[Patient, AppointmentType, Membership | None]] = []
    for patient in Patient.objects.filter(organisation=org, status="consultation").order_by("mrn")[
        :4
    ]:
        wanted.append((patient, types["Consultation"], staff.get(Role.PRESCRIBER)))
    for patient in Patient.objects.filter(
        organisation=org, treatment_plans__status=PlanStatus.ACTIVE
    ).distinct()[:3]:
        wanted.append((patient, types["Integration therapy"], staff.get(Role.THERAPIST)))
        wanted.append((patient, types["Follow-up"], staff.get(Role.PRESCRIBER)))
    day, slot = today + timedelta(days=1), 0
    for patient, kind_type, member in wanted:
        if member is None:
            continue
        if Appointment.objects.filter(patient=patient, appointment_type=kind_type).exists():
            continue
        for _ in range(30):
            opening = hours.get(day.weekday())
            at = time(15, 0) if slot % 2 else time(16, 0)
            if opening is not None and at >= opening[0]:
                start = datetime.combine(day, at, tzinfo=zone)
                booking = services.Booking(clinic, kind_type, patient, start, None, member)
                if not services.booking_problems(booking):
                    services.appointment_book(actor=desk, booking=booking)
                    break
            slot += 1
            if slot % 2 == 0:
                day += timedelta(days=1)


def seed_scheduling(organisation: Organisation) -> dict[str, int]:
    """Seed the organisation's scheduling. Returns counts of what it now has."""
    clinics = list(Clinic.objects.filter(organisation=organisation).order_by("name"))
    if not clinics:
        return {}
    desk = _user(organisation, "frontdesk")
    clinic = clinics[0]
    zone = services.clinic_zone(clinic)
    today = timezone.localtime(timezone.now(), zone).date()
    types = _types(organisation, clinic, desk)
    for each in clinics:
        if not ClinicSchedule.objects.filter(
            clinic=each, patients_per_nurse__isnull=False
        ).exists():
            services.patients_per_nurse_set(
                actor=desk, clinic=each, patients=DEMO_PATIENTS_PER_NURSE
            )
        for day, why in _closures_between(today, today + timedelta(weeks=ROTA_WEEKS)).items():
            if not ClinicClosure.objects.filter(clinic=each, date=day).exists():
                services.clinic_closure_add(actor=desk, clinic=each, day=day, reason=why)
    # The rota from two weeks back (the past appointments had staff on site) to four weeks ahead.
    _rota(organisation, clinics, desk, today - timedelta(days=14), 14 + ROTA_WEEKS * 7)
    nurse = Membership.objects.filter(
        organisation=organisation, role=Role.NURSE, is_active=True
    ).first()
    plans = TreatmentPlan.objects.filter(
        organisation=organisation, status=PlanStatus.ACTIVE
    ).select_related("patient")
    for index, plan in enumerate(plans.order_by("created_at")):
        kind_type = next(
            (
                t
                for t in types.values()
                if t.kind == AppointmentKind.TREATMENT and t.route == plan.route
            ),
            None,
        )
        if kind_type is not None and nurse is not None:
            _plan_sessions(organisation, clinic, plan, kind_type, index, today, desk, nurse)
    _visits(organisation, clinic, types, today, desk)
    return {
        "appointment_types": AppointmentType.objects.filter(organisation=organisation).count(),
        "appointments": Appointment.objects.filter(organisation=organisation).count(),
        "shifts": StaffShift.objects.filter(organisation=organisation).count(),
    }
